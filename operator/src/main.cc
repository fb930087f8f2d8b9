// redispair: the RedisPair operator and its tools, in one binary so that the operator image also
// carries the importer (scripts/redisImport.sh runs it in a short-lived pod).
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cmd/import_command.h"
#include "cmd/install_command.h"
#include "cmd/operator_command.h"
#include "cmd/render_command.h"

namespace {

constexpr const char* kUsage = R"(Usage: redispair COMMAND [flags]

Commands:
  operator   run the RedisPair controller
  import     load redis-cli command lines into Redis, pipelined and exact
  render     print the objects and Redis configuration rendered for a RedisPair
  install-importer  copy the static importer into a directory (the master pod's init container)
  version    print the version

Run "redispair COMMAND --help" for a command's flags.
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "operator") return redispair::cmd::RunOperatorCommand(argc - 1, argv + 1);
  if (cmd == "import") return redispair::cmd::RunImportCommand(argc - 1, argv + 1);
  if (cmd == "render") return redispair::cmd::RunRenderCommand(argc - 1, argv + 1);
  if (cmd == "install-importer") return redispair::cmd::RunInstallCommand(argc - 1, argv + 1);
  if (cmd == "version" || cmd == "--version") {
    std::puts("redispair " REDISPAIR_VERSION);
    return 0;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "redispair: unknown command \"%s\"\n\n%s", argv[1], kUsage);
  return 2;
}
