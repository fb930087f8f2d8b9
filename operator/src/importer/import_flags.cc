#include "importer/import_flags.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

namespace redispair::importer {
namespace {

template <typename Int>
bool ParseInt(std::string_view text, Int min, Int max, Int* out) {
  Int v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

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
    "  --emit-resp           write the commands as RESP to stdout (for redis-cli --pipe)\n"
    "  --window N            commands in flight (default 65536)\n"
    "  -h, --help            show this help\n";

StatusOr<ImportFlags> ParseImportFlags(int argc, char** argv) {
  ImportFlags flags;
  bool have_input = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      name = arg.substr(0, arg.find('='));
      inline_value = arg.substr(arg.find('=') + 1);
    }
    // Fetches the option's value from "--name=value" or the next argument.
    auto value = [&]() -> std::optional<std::string_view> {
      if (inline_value) return inline_value;
      if (i + 1 < argc) return std::string_view(argv[++i]);
      return std::nullopt;
    };
    auto missing = [&]() { return Status::InvalidArgument(std::string(name) + " needs a value"); };
    if (name == "-h" || name == "--help") {
      flags.help = true;
    } else if (name == "--dry-run") {
      flags.dry_run = true;
    } else if (name == "--flush-first") {
      flags.flush_first = true;
    } else if (name == "--force") {
      flags.force = true;
    } else if (name == "--emit-resp") {
      flags.emit_resp = true;
    } else if (name == "--host") {
      auto v = value();
      if (!v || v->empty()) return missing();
      flags.host = std::string(*v);
    } else if (name == "--port") {
      auto v = value();
      if (!v) return missing();
      if (!ParseInt<int>(*v, 1, 65535, &flags.port)) {
        return Status::InvalidArgument("--port: not a port number: " + std::string(*v));
      }
    } else if (name == "--password-file") {
      auto v = value();
      if (!v || v->empty()) return missing();
      flags.password_file = std::string(*v);
    } else if (name == "--window") {
      auto v = value();
      if (!v) return missing();
      if (!ParseInt<size_t>(*v, 1, size_t{1} << 24, &flags.window)) {
        return Status::InvalidArgument("--window: expected 1..16777216, got " + std::string(*v));
      }
    } else if (name == "-a" || name == "--pass" || name == "--password" || name == "--user") {
      return Status::InvalidArgument(
          std::string(name) +
          ": passwords are not accepted on the command line (ps would show them); set "
          "REDISCLI_AUTH or use --password-file");
    } else if (arg != "-" && arg.starts_with("-")) {
      return Status::InvalidArgument("unknown option " + std::string(arg));
    } else if (have_input) {
      return Status::InvalidArgument("only one input file may be given");
    } else {
      flags.input = std::string(arg);
      have_input = true;
    }
  }
  if (!flags.help && !have_input) return Status::InvalidArgument("missing FILE (or - for stdin)");
  if (flags.dry_run && flags.emit_resp) {
    return Status::InvalidArgument("--dry-run and --emit-resp exclude each other");
  }
  return flags;
}

StatusOr<std::string> ReadPassword(const ImportFlags& flags) {
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument("--password-file " + flags.password_file + ": " +
                                     std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    std::string password = content.str();
    if (password.ends_with('\n')) password.pop_back();
    if (password.ends_with('\r')) password.pop_back();
    return password;
  }
  const char* env = std::getenv("REDISCLI_AUTH");
  return std::string(env != nullptr ? env : "");
}

}  // namespace redispair::importer
