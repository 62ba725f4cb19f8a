// okstra/core/fs.hpp — files the toolkit reads and writes.
//
// Contract:
// - read_file reads a whole regular file (bounded by max_bytes) or throws an
//   input error naming the path. A folder, FIFO, socket or device is refused
//   without reading ("cannot read '<path>': not a regular file"), and opening
//   never blocks; a file over max_bytes is "file too large '<path>': over
//   the N MiB limit" (docs/cli.md, "Input files").
// - write_file_atomic never leaves a partial file: it writes a temporary file
//   in the target's folder, fsyncs it, renames it over the target and fsyncs
//   the folder. A killed writer leaves the old or the new content, never a mix;
//   at worst a stray ".<name>.tmp-<pid>-<n>" file that nothing reads.
//   remove_stale_temps(target) removes such strays once their writer is gone
//   (dead, or its pid reused); the writers of shared files call it under
//   the file's lock.
// - append_line appends one whole line with a single write(2) on an O_APPEND
//   descriptor; the caller holds the lock that guards the file. A short write
//   is undone (truncated back) and reported, so no torn line is left behind.
// - ensure_dir creates a folder and its missing parents; the leaf gets `mode`.
// - is_regular_file(path) is true when the path (a symbolic link followed)
//   names a regular file; it never opens the file and never throws, so a
//   FIFO or device is just "not a file".
// Errors are okstra::error with exit_code::input.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/process_facts.hpp"

namespace okstra::fs {

namespace stdfs = std::filesystem;

// Owns one file descriptor.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Caps on inputs read whole, one per kind (docs/cli.md, "Input files"):
// documents a user names (task brief, the report to fill, run files), JSON
// documents (json::read_file's default), and anything else.
inline constexpr std::size_t document_read_limit = std::size_t{16} << 20;  // 16 MiB
inline constexpr std::size_t json_read_limit = std::size_t{256} << 20;     // 256 MiB
inline constexpr std::size_t default_read_limit = std::size_t{1} << 31;    // 2 GiB

inline bool is_regular_file(const stdfs::path& path) noexcept {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Writes all of `data`, retrying on EINTR and short writes; false on error.
inline bool write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// "file too large '<path>': over the 16 MiB limit".
inline error too_large(const std::string& path, std::size_t max_bytes) {
  const bool mib = max_bytes >= (std::size_t{1} << 20) && max_bytes % (std::size_t{1} << 20) == 0;
  return input_error(quoted("file too large", path) + ": over the " +
                     (mib ? std::to_string(max_bytes >> 20) + " MiB" : std::to_string(max_bytes) + " bytes") + " limit");
}

// Reads a whole regular file from `fd`, at most `max_bytes`. Anything else (a
// folder, FIFO, socket, device) is refused before a byte is read, so a FIFO
// or /dev/zero can neither hang nor exhaust memory; open the fd with
// O_NONBLOCK (as read_file does) so that opening a FIFO cannot block either.
inline std::string read_fd(int fd, const std::string& path, std::size_t max_bytes) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) throw io_error("read", path);
  if (S_ISDIR(st.st_mode)) throw input_error(quoted("cannot read", path) + ": is a directory");
  if (!S_ISREG(st.st_mode)) throw input_error(quoted("cannot read", path) + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) throw too_large(path, max_bytes);
  // A regular file never blocks, but a descriptor shared with others should
  // not be left non-blocking.
  if (const int flags = ::fcntl(fd, F_GETFL); flags >= 0 && (flags & O_NONBLOCK) != 0)
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  std::string out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read", path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) throw too_large(path, max_bytes);  // grew meanwhile
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Standard input to its end, whatever it is (pipe, file, terminal), at most
// max_bytes: beyond that an input error "<what> too large 'standard input'".
inline std::string read_stdin(std::size_t max_bytes, std::string_view what) {
  std::string text;
  char buf[1 << 16];
  for (ssize_t n; (n = ::read(0, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read", "standard input");
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) throw input_error(quoted(std::string(what) + " too large", "standard input"));
  }
  return text;
}

// The one way the toolkit reads an input file whole: O_NONBLOCK so that
// opening a FIFO returns at once, O_NOCTTY so that a terminal device never
// becomes the controlling terminal; then read_fd's regular-file check.
inline std::string read_file(const stdfs::path& path, std::size_t max_bytes = default_read_limit) {
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) throw io_error("read", path.string());
  return read_fd(fd.get(), path.string(), max_bytes);
}

inline void fsync_dir(const stdfs::path& dir) {
  unique_fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) throw io_error("sync folder", dir.string());
}

inline void ensure_dir(const stdfs::path& dir, mode_t mode = 0755) {
  std::error_code ec;
  if (stdfs::is_directory(dir, ec)) return;
  if (dir.has_parent_path() && dir.parent_path() != dir) ensure_dir(dir.parent_path(), 0755);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) throw io_error("create folder", dir.string());
  if (!stdfs::is_directory(dir, ec)) throw input_error(quoted("not a folder", dir.string()));
}

namespace detail {
inline std::string temp_name_for(const stdfs::path& target) {
  static std::atomic<unsigned> counter{0};
  return "." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}
}  // namespace detail

enum class durability { synced, process_safe };

// Atomically replaces `path` with `content` (see the contract above). With
// durability::process_safe the fsyncs are skipped: a killed process still
// leaves the old or the new content, but a power cut may leave an empty or
// old file — only for caches whose readers verify a checksum.
inline void write_file_atomic_parts(const stdfs::path& path, std::initializer_list<std::string_view> parts,
                                    mode_t mode = 0644, durability how = durability::synced) {
  const stdfs::path dir = path.has_parent_path() ? path.parent_path() : stdfs::path(".");
  const stdfs::path temp = dir / detail::temp_name_for(path);
  unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) throw io_error("write", path.string());
  const auto fail = [&](int err) {
    fd.reset();
    ::unlink(temp.c_str());
    return io_error("write", path.string(), err);
  };
  for (const std::string_view part : parts)
    if (!write_all(fd.get(), part)) throw fail(errno);
  if (::fchmod(fd.get(), mode) != 0 || (how == durability::synced && ::fsync(fd.get()) != 0)) throw fail(errno);
  if (::close(fd.release()) != 0) throw fail(errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) throw fail(errno);
  if (how == durability::synced) fsync_dir(dir);
}

inline void write_file_atomic(const stdfs::path& path, std::string_view content, mode_t mode = 0644,
                              durability how = durability::synced) {
  write_file_atomic_parts(path, {content}, mode, how);
}

// ---- stale temporaries -----------------------------------------------------------
// A writer killed between creating its temporary and the rename leaves
// ".<name>.tmp-<pid>-<n>" beside the target. Nothing reads it, but nothing
// else would ever remove it either (docs/cli.md, "Files okstra writes").

namespace detail {

// "<digits>-<digits>" after ".<name>.tmp-": the owner's pid, else 0.
inline pid_t temp_owner(std::string_view entry, std::string_view prefix) {
  if (!entry.starts_with(prefix)) return 0;
  entry.remove_prefix(prefix.size());
  const std::size_t dash = entry.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == entry.size() || dash > 9) return 0;
  for (std::size_t i = 0; i < entry.size(); ++i)
    if (i != dash && (entry[i] < '0' || entry[i] > '9')) return 0;
  pid_t pid = 0;
  for (std::size_t i = 0; i < dash; ++i) pid = pid * 10 + (entry[i] - '0');
  return pid;
}

}  // namespace detail

// Whether process `pid` may still be the writer of a file it last wrote at
// `written` (seconds since the epoch): it exists, is not a zombie, and started
// before that write. A process that started later only reuses the pid. The
// start time from /proc is exact to about a second, hence the 2 s margin; a
// process that /proc does not show (another user's, under hidepid) counts as
// alive. Only meaningful for processes of this machine.
inline bool owner_alive(pid_t pid, double written) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  const auto facts = process_facts::facts_of(pid);
  if (!facts) return true;
  if (facts->exited()) return false;
  const auto started = process_facts::started_at(*facts);
  return !started || *started <= written + 2.0;
}

// Removes the temporaries ".<name>.tmp-<pid>-<n>" that killed writers of the
// file `name` left in the open folder `dir_fd`: regular files whose owner is
// no longer alive (owner_alive above). A live owner's temporary is left
// alone. Best effort: what cannot be removed stays. Returns how many were
// removed. The writers of shared files call it under the file's lock, just
// before they write it.
inline std::size_t remove_stale_temps_at(int dir_fd, std::string_view name) {
  const std::string prefix = "." + std::string(name) + ".tmp-";
  unique_fd listing_fd(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* listing = listing_fd ? ::fdopendir(listing_fd.get()) : nullptr;
  if (!listing) return 0;
  listing_fd.release();  // closedir closes it
  std::vector<std::pair<std::string, pid_t>> candidates;
  while (const dirent* e = ::readdir(listing))
    if (const pid_t pid = detail::temp_owner(e->d_name, prefix)) candidates.emplace_back(e->d_name, pid);
  ::closedir(listing);
  std::size_t removed = 0;
  for (const auto& [temp, pid] : candidates) {
    struct stat st{};
    if (::fstatat(dir_fd, temp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    const double written = static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
    if (owner_alive(pid, written)) continue;
    if (::unlinkat(dir_fd, temp.c_str(), 0) == 0) ++removed;
  }
  return removed;
}

// The same for `target`, its folder opened by path.
inline std::size_t remove_stale_temps(const stdfs::path& target) {
  const stdfs::path dir = target.has_parent_path() ? target.parent_path() : stdfs::path(".");
  const unique_fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return dir_fd ? remove_stale_temps_at(dir_fd.get(), target.filename().string()) : 0;
}

// Appends `line` plus '\n' as one write; the caller holds the file's lock.
inline void append_line(const stdfs::path& path, std::string_view line, mode_t mode = 0644) {
  if (line.find('\n') != std::string_view::npos)
    throw input_error(quoted("line contains a newline, refusing to append to", path.string()));
  // Read access too: the pread below checks the last byte (O_WRONLY would fail it with EBADF).
  unique_fd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) throw io_error("append to", path.string());
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw io_error("append to", path.string());
  std::string whole;
  whole.reserve(line.size() + 2);
  // A previous writer killed mid-line cannot happen with one write(2), but a
  // file edited by hand may lack its final newline: never glue two records.
  if (st.st_size > 0) {
    char last = '\n';
    if (::pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') whole += '\n';
  }
  whole.append(line).push_back('\n');
  const ssize_t n = ::write(fd.get(), whole.data(), whole.size());
  if (n != static_cast<ssize_t>(whole.size())) {
    const int err = n < 0 ? errno : ENOSPC;
    if (n > 0 && ::ftruncate(fd.get(), st.st_size) != 0) {
      // Nothing more we can do; the error below names the file.
    }
    throw io_error("append to", path.string(), err);
  }
  if (::fdatasync(fd.get()) != 0) throw io_error("append to", path.string());
}

}  // namespace okstra::fs
