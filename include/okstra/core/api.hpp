// okstra/core/api.hpp — how a module's definitions are compiled.
//
// Contract (docs/architecture.md, "Header-only or compiled"):
// - By default every header is self-sufficient: a public header includes its
//   definitions (detail/ files) at its end and they are `inline`. A program
//   that includes an okstra header needs nothing else (plus the libraries
//   named in okstra.pc).
// - With OKSTRA_COMPILED_LIB defined (the project's own tools do this), a
//   public header only declares; each module's definitions are compiled once
//   into the okstra library (src/<module>.cpp) and the tools link it. Then
//   OKSTRA_INLINE is empty so the definitions have one external copy.
// Functions a public header declares are defined with OKSTRA_INLINE; helpers
// private to a detail file stay plain `inline` (or templates).
#pragma once

#ifdef OKSTRA_COMPILED_LIB
#define OKSTRA_INLINE
#else
#define OKSTRA_INLINE inline
#endif
