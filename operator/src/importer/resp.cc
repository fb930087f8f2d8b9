#include "importer/resp.h"

#include <charconv>
#include <cstring>

namespace redispair::importer {
namespace {

// Decimal digits of n; RESP lengths are small, so the loop ends in one or two steps.
size_t Digits(size_t n) {
  size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// Writes "<type><n>\r\n" at p and returns the end.
char* PutHeader(char* p, char type, size_t n, size_t digits) {
  *p++ = type;
  std::to_chars(p, p + digits, n);
  p += digits;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

}  // namespace

void AppendRespCommand(const Argv& argv, std::string* out) {
  // Size everything first and grow the buffer once: a command is many tiny pieces, and
  // appending them one by one cost more than the rest of the import pipeline together.
  const size_t argc_digits = Digits(argv.size());
  size_t needed = 1 + argc_digits + 2;
  for (size_t i = 0; i < argv.size(); ++i) {
    needed += 1 + Digits(argv[i].size()) + 2 + argv[i].size() + 2;
  }
  const size_t old_size = out->size();
  out->resize(old_size + needed);
  char* p = out->data() + old_size;
  p = PutHeader(p, '*', argv.size(), argc_digits);
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    p = PutHeader(p, '$', a.size(), Digits(a.size()));
    std::memcpy(p, a.data(), a.size());
    p += a.size();
    *p++ = '\r';
    *p++ = '\n';
  }
}

}  // namespace redispair::importer
