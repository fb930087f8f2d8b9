// Standalone `redispair-import` for tests and benchmarks; `redispair import` is the same code.
//
// Accepts both `redispair-import FILE` and `redispair-import import FILE`, so scripts can treat
// it and the full `redispair` binary alike (REDISPAIR_BIN=.../redispair-import).
#include <string_view>

#include "cmd/import_command.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "import") {
    return redispair::cmd::RunImportCommand(argc - 1, argv + 1);
  }
  return redispair::cmd::RunImportCommand(argc, argv);
}
