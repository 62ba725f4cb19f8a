// okstra-worktree — look up, list, reconcile and remove task worktrees (docs/worktrees.md).
// The program is this main; its command, tools/commands/worktree.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::worktree::run(argc, argv); }
