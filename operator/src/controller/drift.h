// Drift detection: does a live object still hold everything the operator wants in it?
//
// The check is a subset comparison: every field in `desired` must be present in `live` with an
// equal value. Fields the API server or other controllers add (defaults, status, managedFields)
// are ignored. Lists must have the same length and match element by element. Scalars that are both
// quantities compare by value, so "1024Mi" matches "1Gi" and 1 matches "1".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace redispair {

// True when `live` contains `desired`. On false, `*where` (if given) names the first differing
// path, e.g. "spec.ports[0].nodePort", for logs.
bool ContainsDesired(const nlohmann::json& desired, const nlohmann::json& live,
                     std::string* where = nullptr);

}  // namespace redispair
