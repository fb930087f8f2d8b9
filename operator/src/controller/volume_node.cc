#include "controller/volume_node.h"

namespace redispair {

using nlohmann::json;

std::optional<std::string> NodeFromClaim(const json& pvc) {
  const json annotations =
      pvc.value("metadata", json::object()).value("annotations", json::object());
  const std::string node = annotations.value("volume.kubernetes.io/selected-node", "");
  if (node.empty()) return std::nullopt;
  return node;
}

std::optional<std::string> NodeFromVolume(const json& pv) {
  const json terms = pv.value("spec", json::object())
                         .value("nodeAffinity", json::object())
                         .value("required", json::object())
                         .value("nodeSelectorTerms", json::array());
  std::optional<std::string> found;
  for (const json& term : terms) {
    for (const json& expr : term.value("matchExpressions", json::array())) {
      if (expr.value("key", "") != "kubernetes.io/hostname" || expr.value("operator", "") != "In") {
        continue;
      }
      const json values = expr.value("values", json::array());
      if (values.size() != 1 || !values[0].is_string()) return std::nullopt;
      if (found && *found != values[0].get<std::string>()) return std::nullopt;
      found = values[0].get<std::string>();
    }
  }
  return found;
}

}  // namespace redispair
