// libFuzzer target for the import line parser. Build and run with bench/fuzz-parser.sh.
//
// Checks, for any input line:
//   1. ParseLine never crashes (ASan/UBSan catch memory errors and undefined behaviour);
//   2. it agrees with a literal port of redis-cli's sdssplitargs() (the oracle below), which
//      reads the line as a C string: a line with a NUL byte must be rejected by ParseLine;
//   3. FormatCommand(argv) parses back to the same argv, and so does QuoteArg(line).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "importer/arg_quoting.h"
#include "importer/argv.h"
#include "importer/command_parser.h"

namespace {

using Args = std::vector<std::string>;

// sdssplitargs() from redis/src/sds.c, transcribed statement by statement onto std::string, for
// a NUL-terminated line. nullopt where the original returns NULL.
std::optional<Args> SdsSplitArgs(const char* line) {
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  auto is_hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  const char* p = line;
  Args vector;
  while (true) {
    while (*p && is_space(*p)) p++;
    if (!*p) return vector;
    bool inq = false, insq = false, done = false;
    std::string current;
    while (!done) {
      if (inq) {
        if (*p == '\\' && *(p + 1) == 'x' && is_hex(*(p + 2)) && is_hex(*(p + 3))) {
          current.push_back(static_cast<char>(hex(*(p + 2)) * 16 + hex(*(p + 3))));
          p += 3;
        } else if (*p == '\\' && *(p + 1)) {
          char c;
          p++;
          switch (*p) {
            case 'n':
              c = '\n';
              break;
            case 'r':
              c = '\r';
              break;
            case 't':
              c = '\t';
              break;
            case 'b':
              c = '\b';
              break;
            case 'a':
              c = '\a';
              break;
            default:
              c = *p;
              break;
          }
          current.push_back(c);
        } else if (*p == '"') {
          if (*(p + 1) && !is_space(*(p + 1))) return std::nullopt;
          done = true;
        } else if (!*p) {
          return std::nullopt;
        } else {
          current.push_back(*p);
        }
      } else if (insq) {
        if (*p == '\\' && *(p + 1) == '\'') {
          p++;
          current.push_back('\'');
        } else if (*p == '\'') {
          if (*(p + 1) && !is_space(*(p + 1))) return std::nullopt;
          done = true;
        } else if (!*p) {
          return std::nullopt;
        } else {
          current.push_back(*p);
        }
      } else {
        switch (*p) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            inq = true;
            break;
          case '\'':
            insq = true;
            break;
          default:
            current.push_back(*p);
            break;
        }
      }
      if (*p) p++;
    }
    vector.push_back(std::move(current));
  }
}

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "FUZZ FAILURE: %s\ninput: %s\n", what,
               redispair::importer::QuoteArg(input).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using redispair::importer::Argv;
  using redispair::importer::FormatCommand;
  using redispair::importer::ParseLine;
  using redispair::importer::QuoteArg;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Argv argv;
  const bool ok = ParseLine(input, &argv).ok();

  if (input.find('\0') != std::string_view::npos) {
    if (ok) Fail("a raw NUL byte was accepted", input);
  } else {
    const std::string c_string(input);
    std::optional<Args> want = SdsSplitArgs(c_string.c_str());
    if (ok != want.has_value()) Fail("accept/reject differs from sdssplitargs", input);
    if (ok && argv.ToVector() != *want) Fail("arguments differ from sdssplitargs", input);
  }

  if (ok && !argv.empty()) {
    Argv back;
    if (!ParseLine(FormatCommand(argv), &back).ok() || back.ToVector() != argv.ToVector()) {
      Fail("FormatCommand does not round-trip", input);
    }
  }
  Argv single;
  if (!ParseLine(QuoteArg(input), &single).ok() || single.size() != 1 || single[0] != input) {
    Fail("QuoteArg does not round-trip", input);
  }
  return 0;
}
