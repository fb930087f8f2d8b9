#include "importer/command_policy.h"

#include <initializer_list>
#include <string>
#include <string_view>

namespace redispair::importer {
namespace {

// redis-cli compares argv[0] as a C string, so an embedded NUL ends it.
std::string_view CString(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

// The longest name on the lists below ("ssubscribe"); longer names need no comparison, which
// keeps this check cheap on the hot path of a million-line validation.
constexpr size_t kLongestListedName = 10;

// `name` lowercased into `buf` if it is short enough to be on a list, else empty.
std::string_view ShortLower(std::string_view name, char (&buf)[kLongestListedName]) {
  if (name.size() > kLongestListedName) return {};
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return std::string_view(buf, name.size());
}

// Mirrors redis-cli's `repeat = strtol(argv[0], &end, 10); if (argc > 1 && *end == '\0')`:
// optional leading whitespace and sign, then digits; the empty string counts too (as 0).
bool LooksLikeRepeatCount(std::string_view s) {
  if (s.empty()) return true;
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > digits && i == s.size();
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> list) {
  for (std::string_view candidate : list) {
    if (name == candidate) return true;
  }
  return false;
}

Status Refuse(std::string_view name, std::string_view why) {
  return Status::InvalidArgument("'" + std::string(name) + "' " + std::string(why));
}

}  // namespace

Status CheckImportable(const Argv& argv) {
  const std::string_view name = CString(argv[0]);
  if (argv.size() > 1 && LooksLikeRepeatCount(name)) {
    return Status::InvalidArgument(
        "a leading number is a redis-cli repeat count (\"3 INCR k\" runs INCR three times), "
        "not a command; write the command out once per line");
  }
  if (!name.empty() && name[0] == ':') {
    return Refuse(name, "is a redis-cli preference, not a command");
  }
  char buf[kLongestListedName];
  const std::string_view lower = ShortLower(name, buf);
  if (lower.empty()) return Status::Ok();
  if (IsOneOf(lower, {"quit", "exit", "help", "?", "restart"}) ||
      (argv.size() == 3 && lower == "connect") || (argv.size() == 1 && lower == "clear")) {
    return Refuse(name,
                  "is a redis-cli built-in, not a Redis command (quit/exit would make redis-cli "
                  "stop reading the file)");
  }
  if (IsOneOf(lower, {"subscribe", "psubscribe", "ssubscribe", "monitor", "sync", "psync"})) {
    return Refuse(name, "turns the connection into a stream and cannot be part of an import");
  }
  if (IsOneOf(lower, {"reset", "hello"})) {
    return Refuse(name,
                  "resets or changes the connection's protocol, which would break matching "
                  "replies to lines");
  }
  if (lower == "client" && argv.size() >= 2) {
    char buf2[kLongestListedName];
    if (ShortLower(CString(argv[1]), buf2) == "reply") {
      return Status::InvalidArgument(
          "CLIENT REPLY suppresses the replies used to match errors to lines");
    }
  }
  return Status::Ok();
}

bool IsSelect(const Argv& argv) {
  char buf[kLongestListedName];
  return ShortLower(CString(argv[0]), buf) == "select";
}

}  // namespace redispair::importer
