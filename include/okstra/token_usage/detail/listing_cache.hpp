// The folder listings a walk may reuse (docs/usage.md, "Folder listings"
// and docs/performance.md, "Folder listings"). A warm run lists no folder
// whose entries cannot have changed: it checks the folder with one fstatat
// and takes its wanted files and subfolders from the last listing, where a
// listing costs an openat, two getdents64 and a close.
//
// A folder's listing is reused only when the folder's device, inode, mtime
// and ctime are those seen before it was listed, and that ctime was more
// than a second older than the start of the walk that listed it. Adding,
// removing or renaming an entry sets the folder's ctime to the (coarse)
// current time, which nobody can set back; the second keeps a change in the
// same clock tick as the listing from hiding behind an equal ctime (git's
// rule for racy timestamps). A folder any of whose entries could not be read
// is never kept: it is listed, and reported, every time.
//
// One file per set of roots, <cache folder>/listings/listing-<hash>.bin, 8
// kept, written atomically and without a lock: each folder in it is checked
// against the folder itself before use, so the file of any run is right.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "okstra/core/fs.hpp"
#include "okstra/token_usage/detail/binary_io.hpp"
#include "okstra/token_usage/detail/kept_files.hpp"
#include "okstra/token_usage/record.hpp"

namespace okstra::token_usage::detail {

struct folder_stamp {
  std::uint64_t dev = 0, ino = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  friend bool operator==(const folder_stamp&, const folder_stamp&) = default;
};

inline folder_stamp stamp_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec, st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

// Views into the kept file's bytes or into strings its owner keeps: a warm
// run decodes a listing file without a string per folder.
struct folder_listing {
  std::string_view rel;      // below the walk's root, "" for the root itself
  folder_stamp stamp;        // taken before the folder was listed
  std::string_view files;    // the wanted regular files' names, each ended by a NUL
  std::string_view subdirs;  // the subfolders' names, each ended by a NUL
};

// Calls each(name) for every name of a NUL-ended list.
template <class Each>
void for_each_name(std::string_view names, Each&& each) {
  for (std::size_t at = 0; at < names.size();) {
    const std::size_t end = names.find('\0', at);
    if (end == std::string_view::npos) return;
    each(names.substr(at, end - at));
    at = end + 1;
  }
}

// One walk root's folders, sorted by `rel`.
struct root_listing {
  source src = source::claude;
  std::string root;
  std::vector<folder_listing> folders;

  const folder_listing* find(std::string_view rel) const {
    const auto at = std::lower_bound(folders.begin(), folders.end(), rel,
                                     [](const folder_listing& f, std::string_view r) { return f.rel < r; });
    return at != folders.end() && at->rel == rel ? &*at : nullptr;
  }
};

inline constexpr std::string_view listing_tag = "okstra-listings-1";

inline std::string encode_listings(const std::vector<root_listing>& roots) {
  encoder e;
  e.str(listing_tag);
  e.u64(roots.size());
  for (const auto& r : roots) {
    e.u8(static_cast<std::uint8_t>(r.src));
    e.str(r.root);
    e.u64(r.folders.size());
    for (const auto& f : r.folders) {
      e.str(f.rel);
      e.u64(f.stamp.dev), e.u64(f.stamp.ino), e.i64(f.stamp.mtime_ns), e.i64(f.stamp.ctime_ns);
      e.str(f.files), e.str(f.subdirs);
    }
  }
  return sealed(std::move(e.buffer()));
}

// Nothing when the bytes are damaged, of another format or out of order.
// The folders' views point into `bytes`.
inline std::optional<std::vector<root_listing>> decode_listings(std::string_view bytes) {
  const auto body = unsealed(bytes);
  if (!body) return std::nullopt;
  decoder d(*body);
  if (d.str() != listing_tag) return std::nullopt;
  const auto count = [&] {  // an entry takes at least a byte: more is damage
    const std::uint64_t n = d.u64();
    if (n > body->size()) d.mark_failed();
    return d.failed() ? 0 : n;
  };
  // A name list must end in a NUL and hold no empty, "." , ".." or slashed name.
  const auto names_ok = [](std::string_view names) {
    if (!names.empty() && names.back() != '\0') return false;
    bool ok = true;
    for_each_name(names, [&](std::string_view n) {
      ok = ok && !n.empty() && n != "." && n != ".." && n.find('/') == std::string_view::npos;
    });
    return ok;
  };
  std::vector<root_listing> roots(count());
  for (auto& r : roots) {
    const std::uint8_t src = d.u8();
    if (src > 3) d.mark_failed();
    r.src = static_cast<source>(src & 3);
    r.root = d.str();
    r.folders.resize(count());
    for (auto& f : r.folders) {
      f.rel = d.str();
      f.stamp.dev = d.u64(), f.stamp.ino = d.u64(), f.stamp.mtime_ns = d.i64(), f.stamp.ctime_ns = d.i64();
      f.files = d.str(), f.subdirs = d.str();
      if (!names_ok(f.files) || !names_ok(f.subdirs) || f.rel.find('\0') != std::string_view::npos) d.mark_failed();
      if (d.failed()) return std::nullopt;
    }
    const auto by_rel = [](const folder_listing& a, const folder_listing& b) { return a.rel < b.rel; };
    if (!std::is_sorted(r.folders.begin(), r.folders.end(), by_rel) ||
        std::adjacent_find(r.folders.begin(), r.folders.end(),
                           [](const auto& a, const auto& b) { return a.rel == b.rel; }) != r.folders.end())
      d.mark_failed();
    if (d.failed()) return std::nullopt;
  }
  if (d.failed() || !d.at_end()) return std::nullopt;
  return roots;
}

// The file of the listings under one set of roots: `roots` names them all,
// each as its source and path.
inline std::string listing_file_name(std::string_view roots) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv(roots)));
  return std::string("listing-") + hex + ".bin";
}

// What one run's walks take from and give to the kept listings. A default
// one keeps nothing and trusts nothing: every folder is listed (--no-cache).
class listing_cache {
 public:
  listing_cache() = default;

  // `name` is listing_file_name()'s, in `dir`. `trust_before_ns`: a
  // folder whose ctime is not before it is listed and not kept (see the top).
  listing_cache(std::filesystem::path dir, std::string name, std::int64_t trust_before_ns)
      : dir_(std::move(dir)), name_(std::move(name)), trust_before_ns_(trust_before_ns), enabled_(true) {
    try {
      bytes_ = std::make_unique<const std::string>(fs::read_file(dir_ / name_, std::size_t{256} << 20));
      if (auto roots = decode_listings(*bytes_)) loaded_ = std::move(*roots);
    } catch (const okstra::error&) {
      // Missing or unreadable: every folder is listed.
    }
  }

  std::int64_t trust_before_ns() const { return enabled_ ? trust_before_ns_ : LLONG_MIN; }

  const root_listing* find(source src, std::string_view root) const {
    for (const auto& r : loaded_)
      if (r.src == src && r.root == root) return &r;
    return nullptr;
  }

  // What the walk of one root kept: the listings it reused (pointers into
  // find()'s) and those it made and may keep (copied here).
  // `listed` counts the folders it listed, kept or not.
  void seen(source src, std::string root, const std::vector<const folder_listing*>& reused,
            const std::vector<folder_listing>& fresh, std::size_t listed) {
    reused_count_ += reused.size(), listed_count_ += listed;
    if (!enabled_) return;
    for (const auto& r : changed_roots_)
      if (r.src == src && r.root == root) return;  // a root named twice is walked, and kept, once
    const root_listing* before = find(src, root);
    if (std::find(unchanged_.begin(), unchanged_.end(), before) != unchanged_.end()) return;
    if (fresh.empty() && before && reused.size() == before->folders.size()) {
      unchanged_.push_back(before);
      return;
    }
    root_listing now{src, std::move(root), {}};
    const auto own = [&](std::string_view v) -> std::string_view { return owned_.emplace_back(v); };
    for (const folder_listing& f : fresh) now.folders.push_back({own(f.rel), f.stamp, own(f.files), own(f.subdirs)});
    for (const folder_listing* f : reused) now.folders.push_back(*f);
    std::sort(now.folders.begin(), now.folders.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
    // Never two entries for one folder (a reader refuses such a file).
    now.folders.erase(std::unique(now.folders.begin(), now.folders.end(),
                                  [](const auto& a, const auto& b) { return a.rel == b.rel; }),
                      now.folders.end());
    changed_roots_.push_back(std::move(now));
  }

  std::size_t folders_reused() const { return reused_count_; }
  std::size_t folders_listed() const { return listed_count_; }

  // Writes what the walks saw when it differs from what was loaded.
  void save() {
    if (!enabled_ || (changed_roots_.empty() && unchanged_.size() == loaded_.size())) return;
    std::vector<root_listing> all = changed_roots_;
    for (const root_listing* r : unchanged_) all.push_back(*r);
    store_bounded(dir_, name_, "listing-", 8, encode_listings(all));
  }

 private:
  std::filesystem::path dir_;
  std::string name_;
  std::int64_t trust_before_ns_ = LLONG_MIN;
  bool enabled_ = false;
  std::size_t reused_count_ = 0, listed_count_ = 0;
  std::unique_ptr<const std::string> bytes_;  // the loaded file: loaded_ points into it
  std::deque<std::string> owned_;             // what changed_roots_' fresh listings point to
  std::vector<root_listing> loaded_, changed_roots_;
  std::vector<const root_listing*> unchanged_;  // into loaded_
};

}  // namespace okstra::token_usage::detail
