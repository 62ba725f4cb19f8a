// okstra-migrate — moves a project from the legacy layout to .okstra/ (docs/migrate.md).
// The program is this main; its command, tools/commands/migrate.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::migrate::run(argc, argv); }
