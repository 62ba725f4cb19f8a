// okstra-cost — static context cost of a task bundle (docs/cost.md).
// The program is this main; its command, tools/commands/cost.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::cost::run(argc, argv); }
