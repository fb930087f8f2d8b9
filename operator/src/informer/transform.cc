#include "informer/transform.h"

namespace redispair {
namespace {

using nlohmann::json;

// What the cache relies on (its key and change detection) and what identifies an object in logs.
constexpr std::string_view kIdentityPaths[] = {
    "apiVersion",         "kind",         "metadata.name",
    "metadata.namespace", "metadata.uid", "metadata.resourceVersion",
};

}  // namespace

void DropManagedFields(json* object) {
  if (object == nullptr || !object->is_object()) return;
  auto meta = object->find("metadata");
  if (meta != object->end() && meta->is_object()) meta->erase("managedFields");
}

FieldMask::FieldMask(const std::vector<std::string_view>& paths) {
  std::vector<std::string_view> all(std::begin(kIdentityPaths), std::end(kIdentityPaths));
  all.insert(all.end(), paths.begin(), paths.end());
  for (std::string_view path : all) {
    Node* node = &root_;
    while (!path.empty()) {
      const size_t dot = path.find('.');
      std::string_view key = path.substr(0, dot);
      path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
      const bool each = key.ends_with("[]");
      if (each) key.remove_suffix(2);
      node = &node->children[std::string(key)];
      if (each) node->each = true;
    }
    node->whole = true;
  }
}

void FieldMask::Prune(json* object) const {
  if (object != nullptr) PruneValue(root_, object);
}

void FieldMask::PruneValue(const Node& node, json* value) {
  if (node.whole) return;
  if (!node.each) {
    PruneFields(node, value);
    return;
  }
  if (!value->is_array()) return;
  for (json& element : *value) PruneFields(node, &element);
}

void FieldMask::PruneFields(const Node& node, json* value) {
  if (!value->is_object()) return;
  for (auto it = value->begin(); it != value->end();) {
    const auto child = node.children.find(it.key());
    if (child == node.children.end()) {
      it = value->erase(it);
    } else {
      PruneValue(child->second, &it.value());
      ++it;
    }
  }
}

}  // namespace redispair
