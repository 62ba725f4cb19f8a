// src/worktree.cpp — the worktree module's definitions, compiled once into the okstra
// library that the tools link (docs/architecture.md, "Header-only or compiled").
#define OKSTRA_COMPILED_LIB

#include "okstra/worktree/worktree.hpp"

// The definitions the public header leaves out in compiled mode, in its order.
#include "okstra/worktree/detail/git.hpp"
#include "okstra/worktree/detail/registry.hpp"
#include "okstra/worktree/detail/stages.hpp"
#include "okstra/worktree/detail/pending.hpp"
#include "okstra/worktree/detail/transaction.hpp"
#include "okstra/worktree/detail/provision.hpp"
#include "okstra/worktree/detail/maintain.hpp"
#include "okstra/worktree/detail/output.hpp"
