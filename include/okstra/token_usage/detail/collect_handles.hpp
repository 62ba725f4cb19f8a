// Members of discovered_logs and cache_preloader (okstra/token_usage/token_usage.hpp;
// include that header instead): defined here, where detail::tracked and
// detail::cache_preload are complete, so a program built in compiled mode needs
// neither (docs/architecture.md, "Header-only or compiled").
#pragma once

#include <future>
#include <memory>

#include "okstra/core/api.hpp"
#include "okstra/token_usage/detail/collect_impl.hpp"

namespace okstra::token_usage {

OKSTRA_INLINE discovered_logs::discovered_logs() = default;
OKSTRA_INLINE discovered_logs::discovered_logs(discovered_logs&&) noexcept = default;
OKSTRA_INLINE discovered_logs& discovered_logs::operator=(discovered_logs&&) noexcept = default;
OKSTRA_INLINE discovered_logs::~discovered_logs() = default;

OKSTRA_INLINE std::optional<found_log> find_claude_log(const discovered_logs& logs, std::uint64_t dev,
                                                      std::uint64_t ino) {
  for (const auto& f : logs.files)
    if (f.src == source::claude && f.id.dev == dev && f.id.ino == ino) return found_log{f.path, f.id.size};
  return std::nullopt;
}

OKSTRA_INLINE cache_preloader::cache_preloader(const collect_options& o)
    : result_(std::async(std::launch::async, [o] { return detail::preload_cache(o); })) {}

OKSTRA_INLINE cache_preloader::~cache_preloader() {
  if (result_.valid()) result_.wait();
}

OKSTRA_INLINE std::unique_ptr<detail::cache_preload> cache_preloader::take() { return result_.get(); }

OKSTRA_INLINE std::string finish_cache_writes() {
  auto& writer = detail::cache_writer::instance();
  writer.join();
  return writer.written();
}

}  // namespace okstra::token_usage
