// okstra/core/heap.hpp — a malloc policy for tools that fill much fresh memory.
//
// Contract: heap::prefer_huge_pages() is called once, at the start of a
// tool's main, before any thread starts. From then on every thread allocates
// from the one main heap; the heap grows in large steps, keeps what is freed
// (it is reused without new page faults) and its untouched part is advised
// for transparent huge pages. Only a hint: where glibc is absent, a sanitizer
// replaces malloc, or the kernel refuses huge pages, nothing changes but
// speed. Why (docs/performance.md, "Page faults and the heap"): on virtual
// machines a fault per fresh 4 KiB page costs ~10 µs, more than many runs
// spend computing, and a thread's own malloc arena grows a page at a time,
// a system call each, and never gets huge pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace okstra::heap {

// `reserve` bytes of the heap are set up at once; a run that needs more
// grows it in steps of 64 MiB that are not advised (4 KiB pages there).
inline void prefer_huge_pages(std::size_t reserve = std::size_t{128} << 20) noexcept {
#if defined(__GLIBC__) && defined(M_ARENA_MAX) && !defined(__SANITIZE_ADDRESS__)
  if (::mallopt(M_ARENA_MAX, 1) != 1) return;
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's ceiling: big vectors come from the heap too
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);   // never hand pages back mid-run: they would fault again
  // The heap grows by a request plus the top pad: a block larger than its
  // free top makes it grow by `reserve` at once, without touching the new
  // pages (free merges the block back into the top), so the advice below
  // covers them all; later growth is in smaller steps.
  ::mallopt(M_TOP_PAD, static_cast<int>(reserve));
  void* block = std::malloc(std::size_t{16} << 20);
  ::mallopt(M_TOP_PAD, 64 << 20);
  if (!block) return;
  const auto start = reinterpret_cast<std::uintptr_t>(block);
  std::free(block);
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto from = (start + huge - 1) & ~(huge - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(::sbrk(0));
  const auto to = end & ~(huge - 1);
  // Only when the block came from the heap's brk area (not a mapping of its own).
  if (end > start && to > from)
    ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
#else
  (void)reserve;
#endif
}

}  // namespace okstra::heap
