// okstra-validate-session — conformance of a lead session to the blocking contract (docs/conformance.md).
// The program is this main; its command, tools/commands/validate-session.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::validate_session::run(argc, argv); }
