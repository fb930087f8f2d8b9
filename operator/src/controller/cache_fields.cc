#include "controller/cache_fields.h"

#include <memory>

namespace redispair {
namespace {

using nlohmann::json;

// Read by Reconciler::PodsOf (labels), ObservePod and PickRolePod (observation.cc).
const std::vector<std::string_view> kPodFields = {
    "metadata.labels",
    "metadata.creationTimestamp",
    "metadata.deletionTimestamp",
    "spec.nodeName",
    "status.phase",
    "status.hostIP",
    "status.podIP",
    "status.conditions[].type",
    "status.conditions[].status",
    "status.conditions[].reason",
    "status.conditions[].message",
    "status.containerStatuses[].state.waiting",
};

// Read by the controller's event handler (labels), NodeFromClaim (the selected-node annotation)
// and Reconciler::MasterVolumeNode (spec.volumeName).
const std::vector<std::string_view> kClaimFields = {
    "metadata.labels",
    "metadata.annotations",
    "spec.volumeName",
};

Transform Prune(const std::vector<std::string_view>& fields) {
  auto mask = std::make_shared<const FieldMask>(fields);
  return [mask](json* object) { mask->Prune(object); };
}

void DropStatus(json* object) {
  if (object->is_object()) object->erase("status");
}

}  // namespace

Transform CacheTransform(const kube::Resource& resource) {
  if (resource == kube::kPods) return Prune(kPodFields);
  if (resource == kube::kPersistentVolumeClaims) return Prune(kClaimFields);
  if (resource == kube::kStatefulSets || resource == kube::kDeployments ||
      resource == kube::kServices || resource == kube::kCronJobs) {
    return DropStatus;
  }
  return {};
}

}  // namespace redispair
