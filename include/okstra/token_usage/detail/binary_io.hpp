// Little binary encoder/decoder for the usage cache. Include through the
// token_usage headers. A decoder that runs past its input sets failed() and
// returns zeros/empties: a corrupt cache is discarded, never trusted.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

// FNV-1a: the one small non-cryptographic hash of the module (identities,
// fingerprints, head hashes); continue a hash by passing the previous value.
inline constexpr std::uint64_t fnv_offset = 1469598103934665603ULL;
inline std::uint64_t fnv(std::string_view s, std::uint64_t h = fnv_offset) noexcept {
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

// A kept file's body followed by its FNV-1a, 8 bytes; unsealed() gives the
// body back, or nothing when the checksum does not match.
inline std::string sealed(std::string body) {
  const std::uint64_t sum = fnv(body);
  body.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return body;
}

inline std::optional<std::string_view> unsealed(std::string_view bytes) {
  if (bytes.size() < 8) return std::nullopt;
  std::uint64_t sum = 0;
  std::memcpy(&sum, bytes.data() + bytes.size() - 8, 8);
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  if (fnv(body) != sum) return std::nullopt;
  return body;
}

class encoder {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u64(std::uint64_t v) {  // LEB128: small counts stay small
    char bytes[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      bytes[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    bytes[n++] = static_cast<char>(v);
    out_.append(bytes, n);
  }
  void i64(std::int64_t v) { u64((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void usage(const tokens& t) {
    u64(t.input), u64(t.output), u64(t.cache_write_5m), u64(t.cache_write_1h), u64(t.cache_read), u64(t.reasoning);
  }
  void rec(const record& r) {
    u8(static_cast<std::uint8_t>(r.src));
    u8(static_cast<std::uint8_t>(r.who));
    u8(static_cast<std::uint8_t>(r.tier));
    i64(r.timestamp_ms);
    usage(r.usage);
    str(r.session_id), str(r.model), str(r.project), str(r.team_name), str(r.agent_name), str(r.agent_id);
    str(r.agent_type);
    u64(r.request_hash);
  }
  void raw(std::string_view bytes) { out_.append(bytes); }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

// The string last decoded into each of a record's seven string fields.
// Records written in time order mostly repeat their neighbour's session,
// model and project; comparing the bytes is cheaper than interning them
// again (a lock and a hash lookup), which matters for a year of archived
// records (docs/performance.md).
class recent_strings {
 public:
  istr get(std::size_t field, std::string_view s) {
    istr& last = last_[field];
    if (last.view() != s) last = istr(s);
    return last;
  }

 private:
  istr last_[7];
};

class decoder {
 public:
  explicit decoder(std::string_view in) : in_(in) {}
  bool failed() const noexcept { return failed_; }
  void mark_failed() noexcept { failed_ = true; }  // for callers that find the content inconsistent
  bool at_end() const noexcept { return pos_ >= in_.size(); }

  std::uint8_t u8() {
    if (pos_ >= in_.size()) return fail(), 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = u8();
      if (failed_) return 0;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail(), 0;
  }
  std::int64_t i64() {
    const std::uint64_t z = u64();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string_view str() {
    const std::uint64_t n = u64();
    if (failed_ || n > in_.size() - pos_) return fail(), std::string_view();
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view raw(std::uint64_t n) {
    if (failed_ || n > in_.size() - pos_) return fail(), std::string_view();
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  tokens usage() {
    tokens t;
    t.input = u64(), t.output = u64(), t.cache_write_5m = u64(), t.cache_write_1h = u64(), t.cache_read = u64();
    t.reasoning = u64();
    return t;
  }
  record rec(recent_strings* recent = nullptr) {
    record r;
    const auto s = u8(), a = u8(), t = u8();
    if (s > 3 || a > 5 || t > static_cast<std::uint8_t>(last_service_tier)) fail();
    r.src = static_cast<source>(s & 3);
    r.who = static_cast<agent>(a > 5 ? 5 : a);
    r.tier = t > static_cast<std::uint8_t>(last_service_tier) ? service_tier::standard : static_cast<service_tier>(t);
    r.timestamp_ms = i64();
    r.usage = usage();
    std::size_t field = 0;
    for (istr* f : {&r.session_id, &r.model, &r.project, &r.team_name, &r.agent_name, &r.agent_id, &r.agent_type}) {
      const std::string_view s = str();
      *f = recent ? recent->get(field++, s) : istr(s);
    }
    r.request_hash = u64();
    return r;
  }

 private:
  void fail() { failed_ = true; }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace okstra::token_usage::detail
