#include "cmd/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>

namespace redispair::cmd {
namespace {

using nlohmann::json;

json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  int64_t i = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && ptr == s.data() + s.size()) return i;
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, kFloat)) return std::stod(s);
  return s;
}

json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?" and quoted ones "!".
      return node.Tag() == "?" ? PlainScalar(node.Scalar()) : json(node.Scalar());
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(Convert(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = Convert(kv.second);
      return obj;
    }
  }
  return nullptr;
}

}  // namespace

StatusOr<std::vector<json>> YamlDocumentsToJson(std::string_view text) {
  std::vector<json> docs;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
      json j = Convert(doc);
      if (!j.is_null()) docs.push_back(std::move(j));
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("YAML: ") + e.what());
  }
  return docs;
}

}  // namespace redispair::cmd
