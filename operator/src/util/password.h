// One rule for the Redis password everywhere it is read: the operator (from the Secret), the
// importer (from REDISCLI_AUTH or --password-file), the pods' launcher and scripts/_dev_vars.sh
// (both in shell, with the same rule written out there).
//
// The rule: one trailing line ending ("\n" or "\r\n") is not part of the password, because
// `kubectl create secret --from-file` of an ordinary text file keeps the file's last newline, and
// nobody means it. Anything else is kept byte for byte. A password that is empty after that, or
// still holds a line break or a NUL byte, is refused: Redis reads its configuration line by line,
// and an empty requirepass turns authentication off.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace redispair {

// The password `raw` stands for, or InvalidArgument saying what is wrong with it (never the
// password itself). Pure.
StatusOr<std::string> NormalizePassword(std::string_view raw);

// Lowercase hex SHA-256 of `data`. Of a password, it is the form in which Redis lists a user's
// passwords (ACL GETUSER), and the only form in which the operator writes a password anywhere.
std::string Sha256Hex(std::string_view data);

}  // namespace redispair
