#include "informer/store.h"

namespace redispair {

using nlohmann::json;

StatusOr<WatchEvent> ParseWatchEvent(std::string_view line) {
  json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::InvalidArgument("watch line is not a JSON object: " +
                                   std::string(line.substr(0, 200)));
  }
  if (!parsed.contains("type") || !parsed["type"].is_string() || !parsed.contains("object") ||
      !parsed["object"].is_object()) {
    return Status::InvalidArgument("watch event lacks type or object: " +
                                   std::string(line.substr(0, 200)));
  }
  const std::string type = parsed["type"].get<std::string>();
  WatchEvent ev;
  if (type == "ADDED") {
    ev.type = EventType::kAdded;
  } else if (type == "MODIFIED") {
    ev.type = EventType::kModified;
  } else if (type == "DELETED") {
    ev.type = EventType::kDeleted;
  } else if (type == "BOOKMARK") {
    ev.type = EventType::kBookmark;
  } else if (type == "ERROR") {
    ev.type = EventType::kError;
  } else {
    return Status::InvalidArgument("unknown watch event type \"" + type + "\"");
  }
  ev.object = std::move(parsed["object"]);
  return ev;
}

std::string ObjectKey(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const json& meta = object["metadata"];
  const std::string name = meta.value("name", "");
  if (name.empty()) return "";
  const std::string ns = meta.value("namespace", "");
  return ns.empty() ? name : ns + "/" + name;
}

std::string ResourceVersionOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("resourceVersion", "");
}

std::vector<StoreChange> Store::Replace(std::vector<json> items) {
  std::vector<StoreChange> changes;
  std::map<std::string, ObjectPtr> fresh;
  for (json& item : items) {
    std::string key = ObjectKey(item);
    if (key.empty()) continue;
    auto ptr = std::make_shared<const json>(std::move(item));
    auto old = objects_.find(key);
    if (old == objects_.end()) {
      changes.push_back({EventType::kAdded, key, ptr});
    } else if (ResourceVersionOf(*old->second) != ResourceVersionOf(*ptr)) {
      changes.push_back({EventType::kModified, key, ptr});
    }
    fresh.emplace(std::move(key), std::move(ptr));
  }
  for (const auto& [key, ptr] : objects_) {
    if (!fresh.count(key)) changes.push_back({EventType::kDeleted, key, ptr});
  }
  objects_ = std::move(fresh);
  return changes;
}

std::optional<StoreChange> Store::Apply(WatchEvent event) {
  if (event.type == EventType::kBookmark || event.type == EventType::kError) return std::nullopt;
  std::string key = ObjectKey(event.object);
  if (key.empty()) return std::nullopt;
  auto it = objects_.find(key);
  if (event.type == EventType::kDeleted) {
    if (it == objects_.end()) return std::nullopt;
    ObjectPtr last = std::make_shared<const json>(std::move(event.object));
    objects_.erase(it);
    return StoreChange{EventType::kDeleted, key, last};
  }
  if (it != objects_.end() && ResourceVersionOf(*it->second) == ResourceVersionOf(event.object)) {
    return std::nullopt;
  }
  auto ptr = std::make_shared<const json>(std::move(event.object));
  const EventType type = it == objects_.end() ? EventType::kAdded : EventType::kModified;
  objects_[key] = ptr;
  return StoreChange{type, key, ptr};
}

ObjectPtr Store::Get(const std::string& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::List() const {
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, ptr] : objects_) out.push_back(ptr);
  return out;
}

}  // namespace redispair
