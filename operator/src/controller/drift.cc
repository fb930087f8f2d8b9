#include "controller/drift.h"

#include "controller/quantity.h"

namespace redispair {
namespace {

using nlohmann::json;

std::string ScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

bool ScalarsMatch(const json& desired, const json& live) {
  if (desired == live) return true;
  // Numbers and quantity strings that spell the same amount.
  const bool scalar_d = desired.is_string() || desired.is_number();
  const bool scalar_l = live.is_string() || live.is_number();
  if (!scalar_d || !scalar_l) return false;
  return SameQuantity(ScalarText(desired), ScalarText(live));
}

bool Walk(const json& desired, const json& live, const std::string& path, std::string* where) {
  if (desired.is_object()) {
    if (!live.is_object()) {
      if (where) *where = path;
      return false;
    }
    for (const auto& [key, value] : desired.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      auto it = live.find(key);
      if (it == live.end()) {
        // An empty object or list we ask for may legitimately be dropped by the server.
        if ((value.is_object() || value.is_array()) && value.empty()) continue;
        if (where) *where = child;
        return false;
      }
      if (!Walk(value, *it, child, where)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) {
      if (where) *where = path;
      return false;
    }
    for (size_t i = 0; i < desired.size(); ++i) {
      if (!Walk(desired[i], live[i], path + "[" + std::to_string(i) + "]", where)) return false;
    }
    return true;
  }
  if (!ScalarsMatch(desired, live)) {
    if (where) *where = path;
    return false;
  }
  return true;
}

}  // namespace

bool ContainsDesired(const json& desired, const json& live, std::string* where) {
  return Walk(desired, live, "", where);
}

}  // namespace redispair
