// The informer's cache: the latest known version of each object of one resource type, keyed by
// "namespace/name". Applying list results and watch events is pure and unit-tested here; the
// network loop lives in informer.h.
//
// Thread-safety: none. The Informer guards its Store with a mutex; a test may hand a Store to the
// reconciler as its ObjectCache.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "informer/object_cache.h"
#include "util/status.h"

namespace redispair {

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  EventType type = EventType::kError;
  nlohmann::json object;  // the object, or for kError the metav1.Status
};

// Parses one watch-stream line. A malformed line is an InvalidArgument error, never a crash.
StatusOr<WatchEvent> ParseWatchEvent(std::string_view line);

// "namespace/name" (or "name" for cluster-scoped objects); empty if the object has no name.
std::string ObjectKey(const nlohmann::json& object);
// metadata.resourceVersion, or "".
std::string ResourceVersionOf(const nlohmann::json& object);

// What a Store change means for handlers: the object's key and its latest (or, for deletions,
// last known) state.
struct StoreChange {
  EventType type;
  std::string key;
  ObjectPtr object;
};

class Store : public ObjectCache {
 public:
  // Replaces the whole contents with a fresh list. Returns the changes against the old contents:
  // additions, modifications (resourceVersion differs), and deletions for objects the list no
  // longer has (a relist after a watch gap must report objects deleted during the gap).
  std::vector<StoreChange> Replace(std::vector<nlohmann::json> items);

  // Applies a watch event. Returns the change, or nullopt when it changes nothing (a bookmark, a
  // repeat of a resourceVersion already seen, a delete of an unknown object).
  std::optional<StoreChange> Apply(WatchEvent event);

  ObjectPtr Get(const std::string& key) const override;
  std::vector<ObjectPtr> List() const override;
  size_t size() const { return objects_.size(); }

 private:
  std::map<std::string, ObjectPtr> objects_;
};

}  // namespace redispair
