#include "controller/auth_secret.h"

#include <catch2/catch.hpp>

#include "test_objects.h"

namespace redispair {
namespace {

using nlohmann::json;
using testing::DefaultPair;

json Secret(json data) {
  return json{{"metadata", {{"name", "redis-auth"}, {"resourceVersion", "42"}}},
              {"data", std::move(data)}};
}

AuthState Read(const RedisPair& rp, const json& secret) {
  AuthState auth;
  ReadClientPassword(rp, secret, &auth);
  return auth;
}

TEST_CASE("PasswordIsReadFromTheConfiguredKey", "[auth]") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_key = "pw";
  const AuthState auth = Read(rp, Secret({{"pw", "aHVudGVyMg=="}}));
  CHECK(auth.error.empty());
  CHECK(auth.password == "hunter2");
}

TEST_CASE("OneTrailingNewlineOfTheSecretIsNotPartOfThePassword", "[auth]") {
  // kubectl create secret generic --from-file=password=pw.txt, pw.txt holding "hunter2\n".
  CHECK(Read(DefaultPair(), Secret({{"password", "aHVudGVyMgo="}})).password == "hunter2");
  // "hunter2\n\n": two line breaks are refused, with the reason and without the password.
  const AuthState refused = Read(DefaultPair(), Secret({{"password", "aHVudGVyMgoK"}}));
  CHECK(refused.password.empty());
  CHECK(refused.error_reason == kReasonAuthSecretInvalid);
  CHECK(refused.error.find("Secret redis/redis-auth key \"password\": ") == 0);
  CHECK(refused.error.find("line break") != std::string::npos);
  CHECK(refused.error.find("hunter2") == std::string::npos);
}

TEST_CASE("AnUnusableSecretSaysWhatIsWrongAndWhichField", "[auth]") {
  const RedisPair rp = DefaultPair();
  const AuthState missing = Read(rp, Secret({{"other", "eA=="}}));
  CHECK(missing.password.empty());
  CHECK(missing.error == "Secret redis/redis-auth has no key \"password\" (spec.auth.secretKey)");
  CHECK(missing.error_reason == kReasonAuthSecretInvalid);
  const AuthState garbled = Read(rp, Secret({{"password", "not base64!"}}));
  CHECK(garbled.password.empty());
  CHECK(garbled.error == "Secret redis/redis-auth key \"password\" is not valid base64");
  CHECK_FALSE(Read(rp, json("not an object")).error.empty());
}

TEST_CASE("AMissingUserSecretSaysHowToFixIt", "[auth]") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_name = "mine";
  AuthState auth;
  SetMissingSecret(rp, &auth);
  CHECK(auth.error_reason == kReasonAuthSecretMissing);
  CHECK(auth.error ==
        "Secret redis/mine (spec.auth.secretName) not found: create it with key \"password\" and "
        "the label redispair.io/auth=true, or remove spec.auth.secretName to have one generated; "
        "the pair keeps the password it has meanwhile");
}

TEST_CASE("TheOperatorsPasswordIsReadFromItsOwnSecret", "[auth]") {
  CHECK(OperatorPasswordFromSecret(Secret({{"password", "aHVudGVyMg=="}})) == "hunter2");
  CHECK_FALSE(OperatorPasswordFromSecret(Secret({{"other", "aHVudGVyMg=="}})));
  CHECK_FALSE(OperatorPasswordFromSecret(Secret({{"password", ""}})));
}

TEST_CASE("AUserSecretIsUsableOnlyWithTheOptInLabel", "[auth]") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_name = "mine";
  json secret = Secret({{"password", "c2VjcmV0"}});
  CHECK_FALSE(OptedIn(secret));
  secret["metadata"]["labels"] = {{"redispair.io/auth", "false"}};
  CHECK_FALSE(OptedIn(secret));
  secret["metadata"]["labels"] = {{"redispair.io/auth", "true"}};
  CHECK(OptedIn(secret));
  AuthState refused;
  refused.password = "old";
  SetNotOptedIn(rp, &refused);
  CHECK(refused.password.empty());
  CHECK(refused.error_reason == kReasonAuthSecretNotOptedIn);
  CHECK(refused.error.find("kubectl label secret mine -n redis redispair.io/auth=true") !=
        std::string::npos);
}

TEST_CASE("GeneratedPasswordsAre32AlphanumericCharacters", "[auth]") {
  StatusOr<std::string> a = GeneratePassword();
  StatusOr<std::string> b = GeneratePassword();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 32);
  CHECK(a->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        std::string::npos);
  CHECK(*a != *b);
}

}  // namespace
}  // namespace redispair
