#include "util/password.h"

#include <openssl/evp.h>

namespace redispair {

StatusOr<std::string> NormalizePassword(std::string_view raw) {
  std::string_view p = raw;
  if (p.ends_with("\r\n")) {
    p.remove_suffix(2);
  } else if (p.ends_with('\n')) {
    p.remove_suffix(1);
  }
  if (p.empty()) {
    return Status::InvalidArgument(raw.empty() ? "the password is empty"
                                               : "the password is only a line break");
  }
  if (p.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return Status::InvalidArgument(
        "the password holds a line break or NUL byte (only one trailing newline is allowed, "
        "and it is not part of the password)");
  }
  return std::string(p);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace redispair
