// The auth Secret as the reconciler uses it: the password it holds, or why it cannot be used.
// The Secret itself is rendered by BuildAuthSecret (render.h); creating and reading it is the
// reconciler's step 2.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "controller/redispair.h"
#include "util/status.h"

namespace redispair {

struct AuthState {
  std::string password{};        // empty when auth is off or the Secret cannot be used
  std::string secret_version{};  // the Secret's resourceVersion, stamped on the pod templates
  std::string error{};           // for status: what is wrong with the Secret and how to fix it
  std::string reason{};          // with error, the Ready condition's reason: kReason* below
};

inline constexpr const char* kReasonAuthSecretMissing = "AuthSecretMissing";
inline constexpr const char* kReasonAuthSecretNotOptedIn = "AuthSecretNotOptedIn";
inline constexpr const char* kReasonAuthSecretInvalid = "AuthSecretInvalid";

// The label with which the owner of a Secret lets RedisPairs use it (spec.auth.secretName): the
// operator hands its value to pods whose image the RedisPair names, so whoever may create a
// RedisPair must not be able to have any Secret of the namespace read that way.
inline constexpr const char* kAuthOptInLabel = "redispair.io/auth";

// Reads the password from `secret` (a Secret object) under spec.auth.secretKey. A missing key or
// a value that is not base64 is reported in `error`, for the user to fix. Pure.
AuthState AuthFromSecret(const RedisPair& rp, const nlohmann::json& secret);

// True when `secret` carries kAuthOptInLabel with the value "true". Pure.
bool OptedIn(const nlohmann::json& secret);

// The state for a user-named Secret (spec.auth.secretName) that does not exist. Pure.
AuthState MissingSecret(const RedisPair& rp);

// The state for a user-named Secret without kAuthOptInLabel: why, and the command that opts in.
// Pure.
AuthState NotOptedIn(const RedisPair& rp);

// A random password of 32 characters from [A-Za-z0-9], read from /dev/urandom.
StatusOr<std::string> GeneratePassword();

}  // namespace redispair
