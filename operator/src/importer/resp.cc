#include "importer/resp.h"

#include <charconv>

namespace redispair::importer {
namespace {

void AppendHeader(char type, size_t n, std::string* out) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  (void)ec;  // cannot fail: 20 digits always fit
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, end - buf);
}

}  // namespace

void AppendRespCommand(const Argv& argv, std::string* out) {
  AppendHeader('*', argv.size(), out);
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    AppendHeader('$', a.size(), out);
    out->append(a);
    out->append("\r\n", 2);
  }
}

}  // namespace redispair::importer
