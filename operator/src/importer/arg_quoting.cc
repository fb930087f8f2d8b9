#include "importer/arg_quoting.h"

namespace redispair::importer {
namespace {

// isprint() in the C locale.
bool IsPrint(unsigned char c) { return c >= 0x20 && c < 0x7f; }

}  // namespace

std::string QuoteArg(std::string_view arg) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(arg.size() + 2);
  out.push_back('"');
  for (char ch : arg) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (IsPrint(c)) {
          out.push_back(ch);
        } else {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        }
    }
  }
  out.push_back('"');
  return out;
}

bool NeedsQuoting(std::string_view arg) {
  if (arg.empty()) return true;
  for (char ch : arg) {
    auto c = static_cast<unsigned char>(ch);
    // A space is printable but separates arguments; quotes and backslashes would be read as syntax.
    if (!IsPrint(c) || c == ' ' || c == '"' || c == '\'' || c == '\\') return true;
  }
  return false;
}

std::string FormatCommand(const Argv& argv) {
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out.push_back(' ');
    std::string_view a = argv[i];
    if (NeedsQuoting(a)) {
      out += QuoteArg(a);
    } else {
      out.append(a);
    }
  }
  return out;
}

}  // namespace redispair::importer
