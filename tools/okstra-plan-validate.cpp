// okstra-plan-validate — the approval gate of an implementation plan report (docs/plan-validate.md).
// The program is this main; its command, tools/commands/plan-validate.cpp, is compiled once
// into the okstra library with the others (docs/architecture.md, "Header-only or compiled").
#include "commands/commands.hpp"

int main(int argc, char** argv) { return okstra::commands::plan_validate::run(argc, argv); }
