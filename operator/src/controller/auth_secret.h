// The auth Secrets as the reconciler uses them: the passwords they hold, or why they cannot be
// used. With auth on there are two (launcher.h): the clients' password (spec.auth's Secret, the
// user's or the generated "<name>-auth"), which may change at runtime, and the operator's own
// ("<name>-operator-auth"), which the probes and replication use and which never changes. The
// Secrets are rendered by BuildAuthSecret (render.h); creating and reading them is the
// reconciler's step 2.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/redispair.h"
#include "util/status.h"

namespace redispair {

// Reasons of the Ready condition when the clients' Secret cannot be used.
inline constexpr const char* kReasonAuthSecretMissing = "AuthSecretMissing";
inline constexpr const char* kReasonAuthSecretNotOptedIn = "AuthSecretNotOptedIn";
inline constexpr const char* kReasonAuthSecretInvalid = "AuthSecretInvalid";

// The label with which the owner of a Secret lets RedisPairs use it (spec.auth.secretName): the
// operator hands its value to pods whose image the RedisPair names, so whoever may create a
// RedisPair must not be able to have any Secret of the namespace read that way.
inline constexpr const char* kAuthOptInLabel = "redispair.io/auth";

struct AuthState {
  // The clients' password, normalised (util/password.h); empty when auth is off or the Secret
  // cannot be used (then `error` says why, and the running pods keep the password they have).
  std::string password{};
  // The operator's password; empty only when auth is off.
  std::string operator_password{};
  std::string error{};         // for status and the Event: what is wrong and how to fix it
  std::string error_reason{};  // with error, the Ready condition's reason: kReason* above
};

// Reads the clients' password from `secret` under spec.auth.secretKey into auth->password, or
// says in auth->error why it cannot be used: a missing key, a value that is not base64, or a
// password that NormalizePassword refuses (empty, or a line break other than one trailing
// newline). Pure.
void ReadClientPassword(const RedisPair& rp, const nlohmann::json& secret, AuthState* auth);

// True when `secret` carries kAuthOptInLabel with the value "true". Pure.
bool OptedIn(const nlohmann::json& secret);

// Sets auth->error for a user-named Secret (spec.auth.secretName) that does not exist. Pure.
void SetMissingSecret(const RedisPair& rp, AuthState* auth);

// Sets auth->error for a user-named Secret without kAuthOptInLabel: why, and the command that
// opts in. Pure.
void SetNotOptedIn(const RedisPair& rp, AuthState* auth);

// The operator's password from its Secret ("<name>-operator-auth"); nullopt when the Secret does
// not hold a usable one (it is then made again). Pure.
std::optional<std::string> OperatorPasswordFromSecret(const nlohmann::json& secret);

// A random password of 32 characters from [A-Za-z0-9], read from /dev/urandom.
StatusOr<std::string> GeneratePassword();

}  // namespace redispair
