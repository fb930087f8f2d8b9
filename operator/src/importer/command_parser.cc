#include "importer/command_parser.h"

#include <cstring>
#include <string>

namespace redispair::importer {
namespace {

// isspace() in the C locale; redis-cli never calls setlocale(), so bytes >= 0x80 are not spaces.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The characters that end an unquoted argument in sdssplitargs (a narrower set than IsSpace).
bool EndsBareArg(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

Status ErrorAt(size_t index, std::string_view reason) {
  std::string msg = "column " + std::to_string(index + 1) + ": ";
  msg.append(reason);
  return Status::InvalidArgument(std::move(msg));
}

// A closing quote at `close` must be followed by whitespace or the end of the line.
Status CheckAfterClosingQuote(std::string_view line, size_t close, std::string_view kind) {
  size_t next = close + 1;
  if (next < line.size() && !IsSpace(line[next])) {
    return ErrorAt(next, std::string("closing ") + std::string(kind) +
                             " quote must be followed by a space or the end of the line");
  }
  return Status::Ok();
}

// Parses the body of a double-quoted string; `i` is just after the opening quote and ends just
// after the closing one.
Status ParseDoubleQuoted(std::string_view line, size_t open, size_t* i, Argv* out) {
  const size_t n = line.size();
  size_t p = *i;
  while (true) {
    // Copy the run of ordinary bytes in one go: this is the hot path for quoted values.
    size_t run = p;
    while (run < n && line[run] != '\\' && line[run] != '"') ++run;
    out->AppendToCurrent(line.substr(p, run - p));
    p = run;
    if (p >= n) return ErrorAt(open, "unbalanced double quote");
    if (line[p] == '"') {
      Status s = CheckAfterClosingQuote(line, p, "double");
      if (!s.ok()) return s;
      *i = p + 1;
      return Status::Ok();
    }
    // A backslash.
    if (p + 3 < n && line[p + 1] == 'x' && IsHexDigit(line[p + 2]) && IsHexDigit(line[p + 3])) {
      out->AppendToCurrent(static_cast<char>(HexValue(line[p + 2]) * 16 + HexValue(line[p + 3])));
      p += 4;
    } else if (p + 1 < n) {
      char c = line[p + 1];
      switch (c) {
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
          break;  // \" \\ and any other pair stand for the second character
      }
      out->AppendToCurrent(c);
      p += 2;
    } else {
      // A backslash at the very end: sdssplitargs keeps it, then hits the end of the line.
      return ErrorAt(open, "unbalanced double quote");
    }
  }
}

// Same for a single-quoted string, where only \' is special.
Status ParseSingleQuoted(std::string_view line, size_t open, size_t* i, Argv* out) {
  const size_t n = line.size();
  size_t p = *i;
  while (true) {
    size_t run = p;
    while (run < n && line[run] != '\\' && line[run] != '\'') ++run;
    out->AppendToCurrent(line.substr(p, run - p));
    p = run;
    if (p >= n) return ErrorAt(open, "unbalanced single quote");
    if (line[p] == '\'') {
      Status s = CheckAfterClosingQuote(line, p, "single");
      if (!s.ok()) return s;
      *i = p + 1;
      return Status::Ok();
    }
    if (p + 1 < n && line[p + 1] == '\'') {
      out->AppendToCurrent('\'');
      p += 2;
    } else {
      out->AppendToCurrent('\\');
      p += 1;
    }
  }
}

}  // namespace

Status ParseLine(std::string_view line, Argv* out) {
  out->Clear();
  if (const void* nul = std::memchr(line.data(), '\0', line.size()); nul != nullptr) {
    return ErrorAt(static_cast<const char*>(nul) - line.data(),
                   "raw NUL byte (redis-cli would silently drop the rest of the line; write "
                   "\\x00 inside double quotes)");
  }
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return Status::Ok();
    // One argument: bare bytes, possibly switching into one quoted section that ends it.
    while (true) {
      size_t run = i;
      while (run < n && !EndsBareArg(line[run]) && line[run] != '"' && line[run] != '\'') ++run;
      out->AppendToCurrent(line.substr(i, run - i));
      i = run;
      if (i >= n || EndsBareArg(line[i])) break;
      size_t open = i++;
      Status s = line[open] == '"' ? ParseDoubleQuoted(line, open, &i, out)
                                   : ParseSingleQuoted(line, open, &i, out);
      if (!s.ok()) return s;
      break;  // a closing quote always ends the argument
    }
    out->EndArg();
  }
}

}  // namespace redispair::importer
