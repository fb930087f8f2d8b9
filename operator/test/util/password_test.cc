#include "util/password.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

using namespace std::string_literals;

std::string Normalized(const std::string& raw) {
  StatusOr<std::string> p = NormalizePassword(raw);
  REQUIRE(p.ok());
  return *p;
}

std::string Refusal(const std::string& raw) {
  StatusOr<std::string> p = NormalizePassword(raw);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Status::Code::kInvalidArgument);
  return p.status().message();
}

TEST_CASE("OneTrailingNewlineIsNotPartOfThePassword", "[password]") {
  CHECK(Normalized("s3cret") == "s3cret");
  CHECK(Normalized("s3cret\n") == "s3cret");      // kubectl create secret --from-file
  CHECK(Normalized("s3cret\r\n") == "s3cret");    // the same file written on Windows
  CHECK(Normalized(" sp ace\t") == " sp ace\t");  // other whitespace is the password's own
  CHECK(Normalized("p\"a\\ss w0rd$x") == "p\"a\\ss w0rd$x");
}

TEST_CASE("PasswordsThatRedisCannotHoldAreRefusedWithoutEchoingThem", "[password]") {
  CHECK(Refusal("") == "the password is empty");
  CHECK(Refusal("\n") == "the password is only a line break");
  CHECK(Refusal("\r\n") == "the password is only a line break");
  for (const std::string& raw : {"s3cret\n\n"s, "s3c\nret"s, "s3cret\r"s, "s3c\0ret"s}) {
    const std::string message = Refusal(raw);
    CHECK(message.find("line break") != std::string::npos);
    CHECK(message.find("s3c") == std::string::npos);
  }
}

TEST_CASE("Sha256HexIsTheFormRedisListsPasswordsIn", "[password]") {
  // redis-cli ACL GETUSER default, after requirepass newpw; and `printf newpw | sha256sum`.
  CHECK(Sha256Hex("newpw") == "2a4cdf0b2ac88c34397e737f3c17910b9aebe64ffb6476459d1f3542fc12f4f1");
  CHECK(Sha256Hex("").size() == 64);
}

}  // namespace
}  // namespace redispair
