// tools/commands/commands.hpp — the commands behind the okstra-* programs.
//
// Contract (docs/architecture.md, "Header-only or compiled"): each command is
// a whole program's behaviour — its option declarations, what it prints and
// its exit code — behind one entry point, run(argc, argv), that returns the
// process exit code and never throws. tools/okstra-<name>.cpp is a main that
// only calls it. The commands are compiled once, together with the modules,
// into the okstra library, so the headers they share are parsed once for all
// seven programs, the way git links its builtin commands into one library.
// Each command lives in its own namespace: they are compiled in one unit.
#pragma once

namespace okstra::commands {

namespace cost { int run(int argc, char** argv); }
namespace migrate { int run(int argc, char** argv); }
namespace plan_validate { int run(int argc, char** argv); }
namespace prepare { int run(int argc, char** argv); }
namespace usage { int run(int argc, char** argv); }
namespace validate_session { int run(int argc, char** argv); }
namespace worktree { int run(int argc, char** argv); }

}  // namespace okstra::commands
