#include "controller/auth_secret.h"

#include <fstream>

#include "controller/names.h"
#include "kube/base64.h"
#include "util/json_fields.h"
#include "util/password.h"

namespace redispair {
namespace {

std::string SecretRef(const RedisPair& rp) {
  return "Secret " + rp.namespace_ + "/" + names::AuthSecret(rp);
}

void SetInvalid(const std::string& message, AuthState* auth) {
  auth->password.clear();
  auth->error = message;
  auth->error_reason = kReasonAuthSecretInvalid;
}

}  // namespace

void ReadClientPassword(const RedisPair& rp, const nlohmann::json& secret, AuthState* auth) {
  const std::string& key = rp.spec.auth_secret_key;
  const nlohmann::json& value = Field(Field(secret, "data"), key);
  if (!value.is_string()) {
    SetInvalid(SecretRef(rp) + " has no key \"" + key + "\" (spec.auth.secretKey)", auth);
    return;
  }
  std::optional<std::string> raw = kube::Base64Decode(value.get<std::string>());
  if (!raw) {
    SetInvalid(SecretRef(rp) + " key \"" + key + "\" is not valid base64", auth);
    return;
  }
  StatusOr<std::string> password = NormalizePassword(*raw);
  if (!password.ok()) {
    SetInvalid(SecretRef(rp) + " key \"" + key + "\": " + password.status().message() +
                   "; the pair keeps the password it has until the Secret is fixed",
               auth);
    return;
  }
  auth->password = std::move(password).value();
}

bool OptedIn(const nlohmann::json& secret) {
  return StringField(Field(Field(secret, "metadata"), "labels"), kAuthOptInLabel) == "true";
}

void SetMissingSecret(const RedisPair& rp, AuthState* auth) {
  auth->password.clear();
  auth->error = SecretRef(rp) + " (spec.auth.secretName) not found: create it with key \"" +
                rp.spec.auth_secret_key + "\" and the label " + kAuthOptInLabel +
                "=true, or remove spec.auth.secretName to have one generated; the pair keeps "
                "the password it has meanwhile";
  auth->error_reason = kReasonAuthSecretMissing;
}

void SetNotOptedIn(const RedisPair& rp, AuthState* auth) {
  auth->password.clear();
  auth->error = SecretRef(rp) + " (spec.auth.secretName) does not carry the label " +
                kAuthOptInLabel + "=true, so the operator does not hand it to Redis pods; if it " +
                "is meant for this RedisPair, its owner opts in with: kubectl label secret " +
                names::AuthSecret(rp) + " -n " + rp.namespace_ + " " + kAuthOptInLabel + "=true";
  auth->error_reason = kReasonAuthSecretNotOptedIn;
}

std::optional<std::string> OperatorPasswordFromSecret(const nlohmann::json& secret) {
  const nlohmann::json& value = Field(Field(secret, "data"), names::kOperatorSecretKey);
  if (!value.is_string()) return std::nullopt;
  std::optional<std::string> raw = kube::Base64Decode(value.get<std::string>());
  if (!raw) return std::nullopt;
  StatusOr<std::string> password = NormalizePassword(*raw);
  if (!password.ok()) return std::nullopt;
  return std::move(password).value();
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
