// Reading Claude Code files: fixed-size buffered reads (peak memory stays
// bounded for a 2 GB file), and byte ranges so one huge file uses every core.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "okstra/core/error.hpp"
#include "okstra/core/fs.hpp"
#include "okstra/core/scan.hpp"
#include "okstra/token_usage/detail/claude.hpp"

namespace okstra::token_usage::detail {

inline constexpr std::size_t read_block = std::size_t{8} << 20;     // 8 MiB per read
inline constexpr std::size_t max_line = std::size_t{512} << 20;     // longer lines are skipped
inline constexpr std::uint64_t split_above = std::uint64_t{96} << 20;  // files split into ranges
inline constexpr std::uint64_t range_size = std::uint64_t{64} << 20;

struct byte_range {
  std::uint64_t begin = 0, end = 0;  // [begin, end), both at line starts (or EOF)
};

// Calls fn(complete_lines_text, file_offset) over [range.begin, range.end);
// returns the offset just past the last complete line. A line longer than
// max_line is skipped whole and counted in `oversized`.
template <class Fn>
std::uint64_t read_lines(int fd, const std::string& path, byte_range range, std::string& buffer,
                         std::uint64_t& oversized, Fn&& fn) {
  // No bigger than the range needs: a run that reads a few appended
  // megabytes should not touch (and fault in) a full block.
  const std::uint64_t span = range.end > range.begin ? range.end - range.begin : 0;
  const std::size_t wanted = static_cast<std::size_t>(std::clamp<std::uint64_t>(span + 1, 64 * 1024, read_block));
  if (buffer.size() < wanted) buffer.resize(wanted);
  std::uint64_t file_pos = range.begin;  // where buffer[0] sits in the file
  std::size_t filled = 0;
  bool skipping_long_line = false;
  while (file_pos + filled < range.end) {
    if (filled == buffer.size()) {
      if (buffer.size() >= max_line) {  // a monster line: drop what we have, skip to its end
        skipping_long_line = true;
        file_pos += filled;
        filled = 0;
      } else {
        buffer.resize(std::min(buffer.size() * 2, max_line));
      }
    }
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(buffer.size() - filled, range.end - file_pos - filled));
    const ssize_t n = ::pread(fd, buffer.data() + filled, want, static_cast<off_t>(file_pos + filled));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read", path);
    }
    if (n == 0) break;  // the file shrank under us: stop at what we have
    std::string_view chunk(buffer.data(), filled + static_cast<std::size_t>(n));
    std::size_t start = 0;
    if (skipping_long_line) {
      const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
      if (!nl) {
        file_pos += chunk.size();
        filled = 0;
        continue;
      }
      start = static_cast<std::size_t>(static_cast<const char*>(nl) - chunk.data()) + 1;
      skipping_long_line = false;
      ++oversized;
    }
    const std::size_t complete = start + scan::complete_prefix(chunk.substr(start));
    if (complete > start) fn(chunk.substr(start, complete - start), file_pos + start);
    const std::size_t rest = chunk.size() - complete;
    std::memmove(buffer.data(), buffer.data() + complete, rest);
    file_pos += complete;
    filled = rest;
  }
  return file_pos;
}

// Cuts [from, size) into ranges of about range_size, each starting a line.
inline std::vector<byte_range> split_ranges(int fd, std::uint64_t from, std::uint64_t size) {
  std::vector<byte_range> ranges;
  std::uint64_t begin = from;
  char probe[64 * 1024];
  while (begin < size) {
    std::uint64_t cut = begin + range_size;
    if (cut + range_size / 4 >= size) {
      ranges.push_back({begin, size});
      break;
    }
    // Move the cut forward to just after the next newline.
    bool found = false;
    while (cut < size && !found) {
      const ssize_t n = ::pread(fd, probe, sizeof probe, static_cast<off_t>(cut));
      if (n <= 0) break;
      const void* nl = std::memchr(probe, '\n', static_cast<std::size_t>(n));
      if (nl) {
        cut += static_cast<std::uint64_t>(static_cast<const char*>(nl) - probe) + 1;
        found = true;
      } else {
        cut += static_cast<std::uint64_t>(n);
      }
    }
    if (!found) {
      ranges.push_back({begin, size});
      break;
    }
    ranges.push_back({begin, cut});
    begin = cut;
  }
  return ranges;
}

}  // namespace okstra::token_usage::detail
