// The cache transforms keep every field the controller reads: the observation of a pod, the
// volume node of a claim and the drift check of every rendered child give the same answers on
// the transformed object as on the object the API server sent.
#include "controller/cache_fields.h"

#include <catch2/catch.hpp>

#include "controller/drift.h"
#include "controller/observation.h"
#include "controller/render.h"
#include "controller/volume_node.h"
#include "test_objects.h"

namespace redispair {
namespace {

using nlohmann::json;

// Transformed as an informer does it: managedFields first, then the resource's transform.
json Cached(const kube::Resource& resource, json object) {
  DropManagedFields(&object);
  if (Transform t = CacheTransform(resource)) t(&object);
  return object;
}

// A pod as the API server sends it, trimmed of nothing.
json FullPod(const std::string& name, const json& status) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"generateName", "redis-replica-7d9f-"},
            {"namespace", "redis"},
            {"uid", "u-" + name},
            {"resourceVersion", "4711"},
            {"creationTimestamp", "2025-01-02T03:04:05Z"},
            {"labels",
             {{"app.kubernetes.io/instance", "redis"}, {"app.kubernetes.io/component", "replica"}}},
            {"annotations", {{"redispair.io/auth-version", "12"}}},
            {"ownerReferences",
             json::array({{{"kind", "ReplicaSet"}, {"name", "redis-replica-7d9f"}}})},
            {"managedFields",
             json::array({{{"manager", "kubelet"},
                           {"operation", "Update"},
                           {"fieldsV1", {{"f:status", {{"f:conditions", json::object()}}}}}}})}}},
          {"spec",
           {{"nodeName", "node-b"},
            {"containers", json::array({{{"name", "redis"},
                                         {"image", "redis:7.2"},
                                         {"args", json::array({"--port", "6379"})},
                                         {"resources", {{"requests", {{"cpu", "50m"}}}}}}})},
            {"volumes", json::array({{{"name", "data"}, {"emptyDir", json::object()}}})},
            {"tolerations", json::array({{{"key", "node.kubernetes.io/not-ready"}}})},
            {"securityContext", {{"runAsNonRoot", true}}}}},
          {"status", status}};
}

json RunningStatus() {
  return {{"phase", "Running"},
          {"hostIP", "10.250.0.3"},
          {"podIP", "10.244.2.7"},
          {"podIPs", json::array({{{"ip", "10.244.2.7"}}})},
          {"startTime", "2025-01-02T03:04:06Z"},
          {"qosClass", "Burstable"},
          {"conditions", json::array({{{"type", "PodScheduled"}, {"status", "True"}},
                                      {{"type", "Ready"},
                                       {"status", "True"},
                                       {"lastTransitionTime", "2025-01-02T03:04:09Z"}}})},
          {"containerStatuses",
           json::array({{{"name", "redis"},
                         {"ready", true},
                         {"restartCount", 0},
                         {"image", "redis:7.2"},
                         {"imageID", "sha256:0123"},
                         {"containerID", "containerd://abc"},
                         {"state", {{"running", {{"startedAt", "2025-01-02T03:04:07Z"}}}}}}})}};
}

json UnschedulableStatus() {
  return {{"phase", "Pending"},
          {"conditions",
           json::array({{{"type", "PodScheduled"},
                         {"status", "False"},
                         {"reason", "Unschedulable"},
                         {"message", "0/2 nodes are available: 2 node(s) didn't match"}}})}};
}

json PullingStatus() {
  return {
      {"phase", "Pending"},
      {"hostIP", "10.250.0.2"},
      {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
      {"containerStatuses",
       json::array(
           {{{"name", "redis"},
             {"state",
              {{"waiting", {{"reason", "ErrImagePull"}, {"message", "pull access denied"}}}}}}})}};
}

void CheckSameObservation(const PodObservation& a, const PodObservation& b) {
  CHECK(a.exists == b.exists);
  CHECK(a.name == b.name);
  CHECK(a.node == b.node);
  CHECK(a.host_ip == b.host_ip);
  CHECK(a.pod_ip == b.pod_ip);
  CHECK(a.phase == b.phase);
  CHECK(a.ready == b.ready);
  CHECK(a.terminating == b.terminating);
  CHECK(a.waiting_reason == b.waiting_reason);
  CHECK(a.waiting_message == b.waiting_message);
}

TEST_CASE("EveryPodFieldTheControllerReadsSurvivesTheCacheTransform", "[cache_fields]") {
  json terminating = FullPod("old", RunningStatus());
  terminating["metadata"]["deletionTimestamp"] = "2025-01-02T04:00:00Z";
  for (const json& full : {FullPod("a", RunningStatus()), FullPod("b", UnschedulableStatus()),
                           FullPod("c", PullingStatus()), terminating}) {
    CAPTURE(full["metadata"]["name"]);
    const json cached = Cached(kube::kPods, full);
    CheckSameObservation(ObservePod(full), ObservePod(cached));
    const json& meta = cached.at("metadata");
    CHECK(meta.value("labels", json()) == full["metadata"]["labels"]);  // PodsOf, Enqueue
    CHECK(meta.value("creationTimestamp", "") == full["metadata"]["creationTimestamp"]);
    // What the cache itself needs.
    CHECK(meta.value("resourceVersion", "") == "4711");
    CHECK(meta.value("namespace", "") == "redis");
    // And what it is for: most of the pod is gone.
    CHECK_FALSE(meta.contains("managedFields"));
    CHECK_FALSE(cached.at("spec").contains("containers"));
    CHECK(cached.dump().size() < full.dump().size() / 2);
  }
  const json newer = [] {
    json p = FullPod("new", PullingStatus());
    p["metadata"]["creationTimestamp"] = "2025-01-03T00:00:00Z";
    return p;
  }();
  const std::vector<json> full = {FullPod("c", PullingStatus()), newer};
  const std::vector<json> cached = {Cached(kube::kPods, full[0]), Cached(kube::kPods, full[1])};
  CheckSameObservation(PickRolePod(full), PickRolePod(cached));
}

TEST_CASE("TheClaimsVolumeNodeSurvivesTheCacheTransform", "[cache_fields]") {
  const json claim = {{"apiVersion", "v1"},
                      {"kind", "PersistentVolumeClaim"},
                      {"metadata",
                       {{"name", "data-redis-master-0"},
                        {"namespace", "redis"},
                        {"resourceVersion", "9"},
                        {"labels", {{"app.kubernetes.io/instance", "redis"}}},
                        {"annotations", {{"volume.kubernetes.io/selected-node", "node-a"}}},
                        {"managedFields", json::array({{{"manager", "kube-scheduler"}}})}}},
                      {"spec",
                       {{"volumeName", "pv-1"},
                        {"accessModes", json::array({"ReadWriteOnce"})},
                        {"resources", {{"requests", {{"storage", "1Gi"}}}}}}},
                      {"status", {{"phase", "Bound"}, {"capacity", {{"storage", "1Gi"}}}}}};
  const json cached = Cached(kube::kPersistentVolumeClaims, claim);
  CHECK(NodeFromClaim(cached) == NodeFromClaim(claim));
  CHECK(NodeFromClaim(cached) == "node-a");
  CHECK(cached.value("spec", json()) == json{{"volumeName", "pv-1"}});
  CHECK(cached.at("metadata").value("labels", json()) == claim["metadata"]["labels"]);
  CHECK_FALSE(cached.contains("status"));
}

TEST_CASE("RenderedChildrenStillMatchTheirCachedLiveObjects", "[cache_fields]") {
  // The drift check compares each rendered child against its cached object, so a child's
  // metadata and spec stay whole; only managedFields and status go.
  RedisPair rp = testing::DefaultPair();
  rp.spec.info_job_enabled = true;
  const std::vector<ChildObject> children = DesiredChildren(
      rp, {.operator_auth_hash = "12", .replica_avoid_nodes = {}, .importer_image = ""});
  REQUIRE(children.size() >= 5);
  for (const ChildObject& child : children) {
    CAPTURE(child.name);
    json live = child.object;  // as stored, with what the server adds
    live["metadata"]["resourceVersion"] = "100";
    live["metadata"]["managedFields"] = json::array({{{"manager", "redispair-operator"}}});
    live["spec"]["serverDefaulted"] = true;
    live["status"] = {{"observedGeneration", 1}};
    const json cached = Cached(child.resource, live);
    std::string where;
    CHECK(ContainsDesired(child.object, cached, &where));
    CHECK(where.empty());
    CHECK(cached.value("spec", json()) == live["spec"]);
    CHECK_FALSE(cached.contains("status"));
    CHECK_FALSE(cached.at("metadata").contains("managedFields"));
  }
}

TEST_CASE("RedisPairsAndSecretsLoseOnlyManagedFields", "[cache_fields]") {
  CHECK_FALSE(CacheTransform(kRedisPairs));
  CHECK_FALSE(CacheTransform(kube::kSecrets));
}

}  // namespace
}  // namespace redispair
