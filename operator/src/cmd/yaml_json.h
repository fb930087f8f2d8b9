// YAML documents to JSON, for reading Kubernetes manifests (`redispair render -f deploy/...`).
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace redispair::cmd {

// Every non-empty document of a (multi-document) YAML text, as JSON. Plain scalars become null,
// booleans or numbers as YAML 1.2's core schema reads them; quoted scalars stay strings.
StatusOr<std::vector<nlohmann::json>> YamlDocumentsToJson(std::string_view text);

}  // namespace redispair::cmd
