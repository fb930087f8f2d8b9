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

TEST_CASE("PasswordIsReadFromTheConfiguredKeyWithTheSecretsVersion", "[auth]") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_key = "pw";
  const AuthState auth = AuthFromSecret(rp, Secret({{"pw", "aHVudGVyMg=="}}));
  CHECK(auth.error.empty());
  CHECK(auth.password == "hunter2");
  CHECK(auth.secret_version == "42");
}

TEST_CASE("AnUnusableSecretSaysWhatIsWrongAndWhichField", "[auth]") {
  const RedisPair rp = DefaultPair();
  const AuthState missing = AuthFromSecret(rp, Secret({{"other", "eA=="}}));
  CHECK(missing.password.empty());
  CHECK(missing.error == "Secret redis/redis-auth has no key \"password\" (spec.auth.secretKey)");
  const AuthState garbled = AuthFromSecret(rp, Secret({{"password", "not base64!"}}));
  CHECK(garbled.password.empty());
  CHECK(garbled.error == "Secret redis/redis-auth key \"password\" is not valid base64");
  CHECK_FALSE(AuthFromSecret(rp, json("not an object")).error.empty());
}

TEST_CASE("AMissingUserSecretSaysHowToFixIt", "[auth]") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_name = "mine";
  const AuthState missing = MissingSecret(rp);
  CHECK(missing.reason == kReasonAuthSecretMissing);
  CHECK(missing.error ==
        "Secret redis/mine (spec.auth.secretName) not found: create it with key \"password\" and "
        "the label redispair.io/auth=true, or remove spec.auth.secretName to have one generated");
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
  const AuthState refused = NotOptedIn(rp);
  CHECK(refused.password.empty());
  CHECK(refused.reason == kReasonAuthSecretNotOptedIn);
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
