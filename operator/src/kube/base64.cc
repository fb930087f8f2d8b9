#include "kube/base64.h"

#include <cstdint>

namespace redispair::kube {
namespace {

int SextetOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t accumulator = 0;
  int sextets = 0;  // sextets in the current quantum
  int padding = 0;  // '=' seen; only whitespace and more '=' may follow
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int sextet = SextetOf(c);
    if (sextet < 0 || padding > 0) return std::nullopt;
    accumulator = (accumulator << 6) | static_cast<uint32_t>(sextet);
    if (++sextets == 4) {
      out.push_back(static_cast<char>((accumulator >> 16) & 0xff));
      out.push_back(static_cast<char>((accumulator >> 8) & 0xff));
      out.push_back(static_cast<char>(accumulator & 0xff));
      accumulator = 0;
      sextets = 0;
    }
  }
  switch (sextets) {
    case 0:
      break;
    case 2:
      out.push_back(static_cast<char>((accumulator >> 4) & 0xff));
      break;
    case 3:
      out.push_back(static_cast<char>((accumulator >> 10) & 0xff));
      out.push_back(static_cast<char>((accumulator >> 2) & 0xff));
      break;
    default:
      return std::nullopt;  // a single leftover sextet cannot encode a byte
  }
  if (padding > 2) return std::nullopt;
  return out;
}

}  // namespace redispair::kube
