// okstra-prepare — prepares a task bundle, its worktree, and records the run (docs/prepare.md).
// The program is this main; its command, tools/commands/prepare.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::prepare::run(argc, argv); }
