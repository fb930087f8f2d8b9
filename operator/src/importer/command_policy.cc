#include "importer/command_policy.h"

#include <strings.h>

#include <array>
#include <string>
#include <string_view>

namespace redispair::importer {
namespace {

// redis-cli compares argv[0] as a C string, so an embedded NUL ends it.
std::string CString(std::string_view arg) { return std::string(arg.substr(0, arg.find('\0'))); }

bool EqualsIgnoreCase(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

// Mirrors redis-cli's `repeat = strtol(argv[0], &end, 10); if (argc > 1 && *end == '\0')`:
// optional leading whitespace and sign, then digits; the empty string counts too (as 0).
bool LooksLikeRepeatCount(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (s.empty()) return true;
  return i > digits && i == s.size();
}

constexpr std::array kCliBuiltins = {"quit", "exit", "help", "?", "restart"};
constexpr std::array kStreamingCommands = {"subscribe", "psubscribe", "ssubscribe",
                                           "monitor",   "sync",       "psync"};
constexpr std::array kProtocolCommands = {"reset", "hello"};

}  // namespace

Status CheckImportable(const Argv& argv) {
  const std::string name = CString(argv[0]);
  if (argv.size() > 1 && LooksLikeRepeatCount(name)) {
    return Status::InvalidArgument(
        "a leading number is a redis-cli repeat count (\"3 INCR k\" runs INCR three times), "
        "not a command; write the command out once per line");
  }
  for (const char* builtin : kCliBuiltins) {
    if (EqualsIgnoreCase(name, builtin)) {
      return Status::InvalidArgument("'" + name +
                                     "' is a redis-cli built-in, not a Redis command "
                                     "(quit/exit would make redis-cli stop reading the file)");
    }
  }
  if (!name.empty() && name[0] == ':') {
    return Status::InvalidArgument("'" + name + "' is a redis-cli preference, not a command");
  }
  if ((argv.size() == 3 && EqualsIgnoreCase(name, "connect")) ||
      (argv.size() == 1 && EqualsIgnoreCase(name, "clear"))) {
    return Status::InvalidArgument("'" + name + "' is a redis-cli built-in, not a Redis command");
  }
  for (const char* cmd : kStreamingCommands) {
    if (EqualsIgnoreCase(name, cmd)) {
      return Status::InvalidArgument(
          "'" + name + "' turns the connection into a stream and cannot be part of an import");
    }
  }
  for (const char* cmd : kProtocolCommands) {
    if (EqualsIgnoreCase(name, cmd)) {
      return Status::InvalidArgument("'" + name +
                                     "' resets or changes the connection's protocol, which would "
                                     "break matching replies to lines");
    }
  }
  if (argv.size() >= 2 && EqualsIgnoreCase(name, "client") &&
      EqualsIgnoreCase(CString(argv[1]), "reply")) {
    return Status::InvalidArgument(
        "CLIENT REPLY suppresses the replies used to match errors to lines");
  }
  return Status::Ok();
}

bool IsSelect(const Argv& argv) { return EqualsIgnoreCase(CString(argv[0]), "select"); }

}  // namespace redispair::importer
