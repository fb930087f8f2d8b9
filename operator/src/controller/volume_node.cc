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

std::vector<std::string> AvoidedNodes(const json& deployment) {
  std::vector<std::string> out;
  const json* node_affinity = &deployment;
  for (const char* key : {"spec", "template", "spec", "affinity", "nodeAffinity",
                          "requiredDuringSchedulingIgnoredDuringExecution"}) {
    if (!node_affinity->is_object() || !node_affinity->contains(key)) return out;
    node_affinity = &(*node_affinity)[key];
  }
  for (const json& term : node_affinity->value("nodeSelectorTerms", json::array())) {
    for (const json& expr : term.value("matchExpressions", json::array())) {
      if (expr.value("key", "") != "kubernetes.io/hostname" ||
          expr.value("operator", "") != "NotIn") {
        continue;
      }
      for (const json& v : expr.value("values", json::array())) {
        if (v.is_string()) out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace redispair
