// Configures and includes RapidJSON. Include okstra/core/json.hpp instead.
#pragma once

#if defined(RAPIDJSON_RAPIDJSON_H_) && !defined(OKSTRA_RAPIDJSON_CONFIGURED)
#error "include RapidJSON only through okstra/core/json.hpp"
#endif
#define OKSTRA_RAPIDJSON_CONFIGURED 1

#include "okstra/core/error.hpp"

namespace okstra::json::detail {
[[noreturn]] inline void rapidjson_assert_failed(const char* condition) {
  throw okstra::error(okstra::exit_code::input, std::string("internal JSON check failed: ") + condition);
}
}  // namespace okstra::json::detail

// A RapidJSON assert must never abort the process on bad input.
#define RAPIDJSON_ASSERT(x) ((x) ? static_cast<void>(0) : ::okstra::json::detail::rapidjson_assert_failed(#x))
#define RAPIDJSON_HAS_STDSTRING 1
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2 1
#endif

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
