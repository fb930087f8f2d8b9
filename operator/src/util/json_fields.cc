#include "util/json_fields.h"

namespace redispair {

const nlohmann::json& Field(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json& value = Field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace redispair
