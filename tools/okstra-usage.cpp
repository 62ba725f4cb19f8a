// okstra-usage — token usage and cost from Claude Code, Codex, Gemini and Cursor logs (docs/usage.md).
// The program is this main; its command, tools/commands/usage.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::usage::run(argc, argv); }
