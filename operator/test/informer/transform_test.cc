#include "informer/transform.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

using nlohmann::json;

json PodWithEverything() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
                 "labels": {"app": "redis"}, "annotations": {"a": "b"},
                 "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]},
    "spec": {"nodeName": "node-a", "containers": [{"name": "redis", "image": "redis:7.2"}]},
    "status": {"phase": "Running",
               "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null}],
               "containerStatuses": [{"name": "redis", "imageID": "sha256:x",
                                      "state": {"waiting": {"reason": "ErrImagePull"}}}]}
  })");
}

TEST_CASE("ManagedFieldsAreDropped", "[transform]") {
  json pod = PodWithEverything();
  DropManagedFields(&pod);
  CHECK_FALSE(pod["metadata"].contains("managedFields"));
  CHECK(pod["metadata"]["labels"] == json{{"app", "redis"}});
  json not_an_object = "x";
  DropManagedFields(&not_an_object);  // harmless
  CHECK(not_an_object == "x");
}

TEST_CASE("AFieldMaskKeepsTheNamedPathsAndTheIdentity", "[transform]") {
  const FieldMask mask({"metadata.labels", "spec.nodeName", "status.conditions[].type",
                        "status.containerStatuses[].state.waiting"});
  json pod = PodWithEverything();
  mask.Prune(&pod);
  CHECK(pod == json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
                 "labels": {"app": "redis"}},
    "spec": {"nodeName": "node-a"},
    "status": {"conditions": [{"type": "Ready"}],
               "containerStatuses": [{"state": {"waiting": {"reason": "ErrImagePull"}}}]}
  })"));
}

TEST_CASE("AFieldMaskKeepsAValueOfAnUnexpectedTypeAsItIs", "[transform]") {
  const FieldMask mask({"status.conditions[].type", "spec.nodeName"});
  json odd = {{"metadata", {{"name", "p"}}},
              {"spec", "not an object"},
              {"status", {{"conditions", "not a list"}, {"phase", "x"}}}};
  mask.Prune(&odd);
  CHECK(odd == json{{"metadata", {{"name", "p"}}},
                    {"spec", "not an object"},
                    {"status", {{"conditions", "not a list"}}}});
}

TEST_CASE("APathThatEndsAtAKeyKeepsItsWholeValueWhateverLongerPathsSay", "[transform]") {
  const FieldMask mask({"status", "status.phase"});
  json pod = PodWithEverything();
  const json status = pod["status"];
  mask.Prune(&pod);
  CHECK(pod["status"] == status);
  CHECK_FALSE(pod.contains("spec"));
}

}  // namespace
}  // namespace redispair
