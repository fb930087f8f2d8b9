#include "controller/auth_secret.h"

#include <fstream>

#include "controller/names.h"
#include "kube/base64.h"
#include "util/json_fields.h"

namespace redispair {
namespace {

std::string SecretRef(const RedisPair& rp) {
  return "Secret " + rp.namespace_ + "/" + names::AuthSecret(rp);
}

}  // namespace

AuthState AuthFromSecret(const RedisPair& rp, const nlohmann::json& secret) {
  AuthState auth;
  const std::string& key = rp.spec.auth_secret_key;
  const nlohmann::json& value = Field(Field(secret, "data"), key);
  if (!value.is_string()) {
    auth.error = SecretRef(rp) + " has no key \"" + key + "\" (spec.auth.secretKey)";
    auth.reason = kReasonAuthSecretInvalid;
    return auth;
  }
  std::optional<std::string> password = kube::Base64Decode(value.get<std::string>());
  if (!password) {
    auth.error = SecretRef(rp) + " key \"" + key + "\" is not valid base64";
    auth.reason = kReasonAuthSecretInvalid;
    return auth;
  }
  auth.password = std::move(*password);
  auth.secret_version = StringField(Field(secret, "metadata"), "resourceVersion");
  return auth;
}

bool OptedIn(const nlohmann::json& secret) {
  return StringField(Field(Field(secret, "metadata"), "labels"), kAuthOptInLabel) == "true";
}

AuthState MissingSecret(const RedisPair& rp) {
  return AuthState{.error = SecretRef(rp) +
                            " (spec.auth.secretName) not found: create it with key \"" +
                            rp.spec.auth_secret_key + "\" and the label " + kAuthOptInLabel +
                            "=true, or remove spec.auth.secretName to have one generated",
                   .reason = kReasonAuthSecretMissing};
}

AuthState NotOptedIn(const RedisPair& rp) {
  return AuthState{
      .error = SecretRef(rp) + " (spec.auth.secretName) does not carry the label " +
               kAuthOptInLabel + "=true, so the operator does not hand it to Redis pods; if it " +
               "is meant for this RedisPair, its owner opts in with: kubectl label secret " +
               names::AuthSecret(rp) + " -n " + rp.namespace_ + " " + kAuthOptInLabel + "=true",
      .reason = kReasonAuthSecretNotOptedIn};
}

StatusOr<std::string> GeneratePassword() {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom) return Status::Internal("cannot open /dev/urandom");
  std::string out;
  while (out.size() < 32) {
    unsigned char b = 0;
    if (!urandom.read(reinterpret_cast<char*>(&b), 1)) {
      return Status::Internal("read /dev/urandom failed");
    }
    if (b >= 248) continue;  // 248 = 4 * 62: reject to keep the distribution uniform
    out += kChars[b % 62];
  }
  return out;
}

}  // namespace redispair
