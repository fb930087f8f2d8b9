// Read access to a local cache of one resource's objects, keyed by "namespace/name" (or "name"
// when cluster-scoped). The reconciler reads through this interface, so that its tests can hand
// it a filled Store instead of a running Informer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace redispair {

// Cached objects are shared and immutable: a reader may keep one after the cache replaced it.
using ObjectPtr = std::shared_ptr<const nlohmann::json>;

class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  // The object with this key, or null.
  virtual ObjectPtr Get(const std::string& key) const = 0;
  // Every cached object, in key order.
  virtual std::vector<ObjectPtr> List() const = 0;
};

}  // namespace redispair
