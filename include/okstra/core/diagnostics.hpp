// okstra/core/diagnostics.hpp — how library code tells the user something
// that is not its result: warnings, progress, traces.
//
// Contract (docs/architecture.md, "One error path"):
// - Library code never writes to stderr itself and never names a tool: it
//   calls warn(), progress() or trace(), and the sink the program installed
//   with set_sink() decides where the text goes. Errors are still thrown
//   (okstra::error), never reported here.
// - Without an installed sink the default one writes to stderr under the
//   running program's own name (program_invocation_short_name on glibc, else
//   "okstra"), one write per message so lines of two threads do not mix:
//     warning   "<program>: warning: <message>\n"
//     trace     "<program>: trace: <message>\n"
//     progress  "\r<program>: <message>" (the next one overwrites it on a
//               terminal line); an empty message erases the line.
//   Messages are escaped with printable() (control bytes, invalid UTF-8), so
//   text read from files cannot drive the terminal.
// - Sinks are called one at a time (under a mutex): a sink must not call
//   back into diagnostics. set_sink({}) restores the default.
#pragma once

#include <cerrno>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "okstra/core/error.hpp"

namespace okstra::diagnostics {

enum class kind { warning, progress, trace };

using sink = std::function<void(kind, std::string_view)>;

// The name this program was started under, without its folder.
inline std::string_view program_name() noexcept {
#if defined(__GLIBC__)
  if (program_invocation_short_name && *program_invocation_short_name) return program_invocation_short_name;
#endif
  return "okstra";
}

inline void write_to_stderr(kind k, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 32);
  if (k == kind::progress) {
    if (message.empty()) {
      line = "\r\033[K";
    } else {
      line.append("\r").append(program_name()).append(": ").append(printable(message));
    }
  } else {
    line.append(program_name()).append(k == kind::warning ? ": warning: " : ": trace: ");
    line.append(printable(message)).append("\n");
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

namespace detail {
struct state {
  std::mutex mutex;
  sink installed;
};
inline state& current() {
  static state s;
  return s;
}
inline void emit(kind k, std::string_view message) {
  state& s = current();
  const std::lock_guard guard(s.mutex);
  if (s.installed) s.installed(k, message);
  else write_to_stderr(k, message);
}
}  // namespace detail

// Installs `s` for the whole program; returns the sink it replaces.
inline sink set_sink(sink s) {
  detail::state& st = detail::current();
  const std::lock_guard guard(st.mutex);
  return std::exchange(st.installed, std::move(s));
}

inline void warn(std::string_view message) { detail::emit(kind::warning, message); }
inline void progress(std::string_view message) { detail::emit(kind::progress, message); }
inline void trace(std::string_view message) { detail::emit(kind::trace, message); }

}  // namespace okstra::diagnostics
