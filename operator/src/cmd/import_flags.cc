#include "cmd/import_flags.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "cmd/flags.h"
#include "util/password.h"

namespace redispair::cmd {

const char kImportUsage[] =
    "usage: redispair import [options] FILE|-\n"
    "\n"
    "Loads FILE (or standard input) of redis-cli commands, one per line, into Redis.\n"
    "Nothing is sent unless every line parses.\n"
    "\n"
    "  --host HOST           Redis host (default 127.0.0.1)\n"
    "  --port PORT           Redis port (default 6379)\n"
    "  --password-file PATH  read the password from PATH (default: $REDISCLI_AUTH)\n"
    "  --dry-run             validate and report only; connect to nothing\n"
    "  --flush-first         FLUSHALL before importing (also forgets earlier imports)\n"
    "  --force               import even if this exact content was imported before\n"
    "  --skip-imported       content imported before is not an error: say so, exit 0\n"
    "  --emit-resp           write the commands as RESP to stdout (for redis-cli --pipe)\n"
    "  --window N            commands in flight (default 65536)\n"
    "  -h, --help            show this help\n";

StatusOr<ImportFlags> ParseImportFlags(int argc, char** argv) {
  ImportFlags flags;
  std::vector<std::string> inputs;
  FlagSet set;
  set.Bool({"--dry-run"}, &flags.dry_run);
  set.Bool({"--flush-first"}, &flags.flush_first);
  set.Bool({"--force"}, &flags.force);
  set.Bool({"--skip-imported"}, &flags.skip_imported);
  set.Bool({"--emit-resp"}, &flags.emit_resp);
  set.String({"--host"}, &flags.host, /*allow_empty=*/false);
  set.Int({"--port"}, 1, 65535, &flags.port);
  set.String({"--password-file"}, &flags.password_file, /*allow_empty=*/false);
  set.Int({"--window"}, size_t{1}, size_t{1} << 24, &flags.window);
  set.Refuse({"-a", "--pass", "--password", "--user"},
             "passwords are not accepted on the command line (ps would show them); set "
             "REDISCLI_AUTH or use --password-file");
  set.Positional(&inputs);
  if (Status s = set.Parse(argc, argv); !s.ok()) return s;
  flags.help = set.help();
  if (flags.help) return flags;
  if (inputs.empty()) return Status::InvalidArgument("missing FILE (or - for stdin)");
  if (inputs.size() > 1) return Status::InvalidArgument("only one input file may be given");
  flags.input = inputs[0];
  if (flags.dry_run && flags.emit_resp) {
    return Status::InvalidArgument("--dry-run and --emit-resp exclude each other");
  }
  return flags;
}

StatusOr<std::string> ReadPassword(const ImportFlags& flags) {
  std::string raw;
  std::string source = "REDISCLI_AUTH";
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument("--password-file " + flags.password_file + ": " +
                                     std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    raw = content.str();
    source = "--password-file " + flags.password_file;
  } else if (const char* env = std::getenv("REDISCLI_AUTH"); env != nullptr && *env != '\0') {
    raw = env;
  } else {
    return std::string();
  }
  // The same rule as the operator's and the pods' (util/password.h), so that a Secret made with
  // --from-file works here exactly as it does there.
  StatusOr<std::string> password = NormalizePassword(raw);
  if (!password.ok()) return Status::InvalidArgument(source + ": " + password.status().message());
  return password;
}

}  // namespace redispair::cmd
