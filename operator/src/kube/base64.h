// Standard base64 (RFC 4648, with padding) decoding for kubeconfig `*-data` fields.
// Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace redispair::kube {

// Decodes `text`, ignoring ASCII whitespace (kubeconfigs are sometimes wrapped). Padding is
// optional. Returns nullopt for any other character or a truncated final quantum.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace redispair::kube
