// Standalone `redispair-import` for tests and benchmarks; `redispair import` is the same code.
#include "importer/import_command.h"

int main(int argc, char** argv) { return redispair::RunImportCommand(argc, argv); }
