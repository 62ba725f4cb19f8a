// Reading a whole transcript into events, for okstra/transcript/events.hpp
// (include that header instead): the chunked file reader, the per-line loop
// (turns, diagnostics) and the subagent files.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/text.hpp"

namespace okstra::transcript {

namespace detail {

// Keeps the first max_diagnostics_per_file diagnostics of one file, then
// counts the rest into one closing line.
class diagnostic_log {
 public:
  diagnostic_log(std::string file, std::vector<diagnostic>& out) : file_(std::move(file)), out_(out) {}

  void add(std::uint64_t line, std::string message) {
    if (kept_ < max_diagnostics_per_file) {
      out_.push_back({file_, line, std::move(message)});
      ++kept_;
    } else {
      ++dropped_;
    }
  }
  void close() {
    if (dropped_ > 0) out_.push_back({file_, 0, std::to_string(dropped_) + " more diagnostic(s) of this file not shown"});
    dropped_ = 0;
  }

 private:
  std::string file_;
  std::vector<diagnostic>& out_;
  std::size_t kept_ = 0;
  std::uint64_t dropped_ = 0;
};

// Turns: a new main-chain (or sidechain) turn starts at an assistant line whose
// message.id differs from the previous assistant line's of the same chain.
class turn_counter {
 public:
  std::uint64_t next(std::string_view message_id) {
    if (message_id.empty() || message_id != last_) ++turn_;
    last_.assign(message_id);
    return turn_;
  }

 private:
  std::string last_;
  std::uint64_t turn_ = 0;
};

template <class Sink>
class event_loop {
 public:
  event_loop(std::string file, Sink& sink, std::vector<diagnostic>& out) : log_(std::move(file), out), sink_(sink) {}

  // One line without its '\n'; `terminated` is false for a last line without one.
  void feed(std::string_view line, bool terminated) {
    ev_.line = ++stats_.lines;
    stats_.bytes += line.size() + (terminated ? 1 : 0);
    if (text::is_blank(line)) return;
    if (!parser_.parse(line, ev_)) {
      ++stats_.malformed;
      log_.add(ev_.line, terminated ? "malformed JSON line: skipped" : "truncated last line (no newline at the end): skipped");
      return;
    }
    if (ev_.kind == line_kind::unknown) ++stats_.unknown_types;
    if (ev_.kind == line_kind::assistant) ev_.turn = (ev_.is_sidechain ? side_turns_ : main_turns_).next(ev_.message_id);
    for (const std::string_view type : ev_.unknown_blocks) {
      ++stats_.unknown_blocks;
      log_.add(ev_.line, quoted("unknown content block type", type) + ": skipped");
    }
    ++stats_.events;
    sink_(static_cast<const line_event&>(ev_));
  }

  void too_long(bool terminated) {
    ++stats_.lines;
    ++stats_.malformed;
    log_.add(stats_.lines, terminated ? "line longer than 256 MiB: skipped" : "truncated last line longer than 256 MiB: skipped");
  }

  read_stats finish() {
    log_.close();
    return stats_;
  }

 private:
  diagnostic_log log_;
  Sink& sink_;
  event_parser parser_;
  line_event ev_;
  turn_counter main_turns_, side_turns_;
  read_stats stats_;
};

// A growable read buffer without zero-filling.
struct byte_buffer {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;

  void grow_to(std::size_t wanted, std::size_t used) {
    std::unique_ptr<char[]> bigger(new char[wanted]);
    if (used) std::memcpy(bigger.get(), data.get(), used);
    data = std::move(bigger);
    capacity = wanted;
  }
};

inline constexpr std::size_t chunk_bytes = std::size_t{4} << 20;

}  // namespace detail

template <class Sink>
read_stats read_events_text(std::string_view text, std::string_view file, Sink&& sink, std::vector<diagnostic>& out) {
  detail::event_loop<std::remove_reference_t<Sink>> loop(std::string(file), sink, out);
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!nl) {
      loop.feed(std::string_view(p, static_cast<std::size_t>(end - p)), false);
      break;
    }
    loop.feed(std::string_view(p, static_cast<std::size_t>(nl - p)), true);
    p = nl + 1;
  }
  return loop.finish();
}

namespace detail {

// Calls line(text, terminated) for every line of a file, read in chunks into
// one buffer that grows only for a longer line; a line longer than
// max_line_bytes is not kept: too_long(terminated) is called instead.
template <class Line, class TooLong>
void for_each_file_line(const std::filesystem::path& file, Line&& line, TooLong&& too_long) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read.
  fs::unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) throw io_error("read", file.string());
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) throw io_error("read", file.string());
  if (S_ISDIR(st.st_mode)) throw input_error(quoted("cannot read", file.string()) + ": is a directory");
  if (!S_ISREG(st.st_mode)) throw input_error(quoted("cannot read", file.string()) + ": not a regular file");
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  byte_buffer buf;
  const auto size = static_cast<std::size_t>(std::max<off_t>(st.st_size, 0));
  buf.grow_to(std::clamp<std::size_t>(size + 1, std::size_t{64} << 10, chunk_bytes), 0);
  std::size_t begin = 0, end = 0;
  bool skipping = false;  // inside a line longer than max_line_bytes
  for (;;) {
    if (end == buf.capacity) {
      if (begin > 0) {
        std::memmove(buf.data.get(), buf.data.get() + begin, end - begin);
        end -= begin;
        begin = 0;
      } else if (!skipping && buf.capacity <= max_line_bytes) {
        buf.grow_to(std::min(buf.capacity * 2, max_line_bytes + 1), end);
      } else {
        if (!skipping) too_long(true);
        skipping = true;
        begin = end = 0;
      }
    }
    const ssize_t n = ::read(fd.get(), buf.data.get() + end, buf.capacity - end);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("read", file.string());
    if (n == 0) {
      if (end > begin && !skipping) line(std::string_view(buf.data.get() + begin, end - begin), false);
      return;
    }
    end += static_cast<std::size_t>(n);
    for (;;) {
      const char* from = buf.data.get() + begin;
      const char* nl = static_cast<const char*>(std::memchr(from, '\n', end - begin));
      if (!nl) break;
      const auto length = static_cast<std::size_t>(nl - from);
      if (skipping) skipping = false;
      else line(std::string_view(from, length), true);
      begin += length + 1;
    }
    if (begin == end) begin = end = 0;
  }
}

}  // namespace detail

template <class Sink>
read_stats read_events_file(const std::filesystem::path& file, Sink&& sink, std::vector<diagnostic>& out) {
  detail::event_loop<std::remove_reference_t<Sink>> loop(file.string(), sink, out);
  detail::for_each_file_line(
      file, [&](std::string_view line, bool terminated) { loop.feed(line, terminated); },
      [&](bool terminated) { loop.too_long(terminated); });
  return loop.finish();
}

}  // namespace okstra::transcript
