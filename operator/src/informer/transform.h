// What an informer does to every object before storing it, as client-go's
// SharedInformer.SetTransform: drop what no reader of the cache needs, so that the cache costs
// memory in proportion to what is read, not to what the API server sends. Pure functions.
//
//   const FieldMask pods({"metadata.labels", "spec.nodeName", "status.conditions[].type"});
//   Transform transform = [pods](nlohmann::json* pod) { pods.Prune(pod); };
//
// A transform must keep what the cache itself relies on: metadata.name and namespace (the key)
// and metadata.resourceVersion (change detection, the watch's resume point). FieldMask always
// keeps those, with apiVersion, kind and metadata.uid.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace redispair {

// Applied to every listed object and to the object of every watch event before it is stored.
// Must be thread-safe (one informer thread calls it at a time, but informers share transforms).
using Transform = std::function<void(nlohmann::json* object)>;

// Removes metadata.managedFields: server-side apply's bookkeeping of who set which field, often
// the largest part of an object, and read by no controller.
void DropManagedFields(nlohmann::json* object);

// A set of field paths to keep. A path is dot-separated keys; "[]" after a key means the value is
// a list and the rest of the path applies to each of its elements; a path that ends at a key keeps
// that key's whole value:
//
//   "spec.nodeName"                          one scalar
//   "metadata.labels"                        a whole map
//   "status.conditions[].type"               the type of every condition
//   "status.containerStatuses[].state.waiting"
//
// A key named by one path and also ended at by another is kept whole.
class FieldMask {
 public:
  explicit FieldMask(const std::vector<std::string_view>& paths);

  // Removes from `*object` every field the mask does not name (besides the identity fields
  // listed at the top of this file). A value that is not the list or object a path expects is
  // kept as it is: readers check types anyway, and dropping it would hide the surprise.
  void Prune(nlohmann::json* object) const;

 private:
  struct Node {
    bool whole = false;  // a path ends here: keep the value as it is
    bool each = false;   // "[]": the children apply to every element of a list
    std::map<std::string, Node, std::less<>> children;
  };
  // Prunes `value` as `node` says; PruneFields prunes the keys of one object by node's children.
  static void PruneValue(const Node& node, nlohmann::json* value);
  static void PruneFields(const Node& node, nlohmann::json* value);

  Node root_;
};

}  // namespace redispair
