// Desired state: pure functions from a RedisPair to the child objects the operator applies.
// No I/O and no clock, so every builder is table-tested without a cluster.
//
// Each object is complete for server-side apply: apiVersion, kind, metadata (name, namespace,
// labels, a controller ownerReference) and the fields the operator owns. Fields the API server
// defaults are left out, so a later comparison against the live object is a subset check.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/redispair.h"
#include "kube/resource.h"

namespace redispair {

// Facts the renderer needs that are not in the RedisPair itself.
struct RenderInputs {
  // The auth Secret's resourceVersion, stamped on both pod templates so that a new password rolls
  // both pods together; empty when auth is off or the Secret is missing.
  std::string auth_secret_version;
  // Nodes the replica must avoid besides the master pod's: the node holding the master's volume,
  // once known. Anti-affinity only keeps the replica off the master's *current* node; while the
  // master pod is being replaced the replica could take the node its volume pins it to, and the
  // master would then stay Pending forever (the placement deadlock).
  std::vector<std::string> replica_avoid_nodes;
};

// A child to apply: what kind of object it is, its name (its namespace is the RedisPair's), and
// the object itself.
struct ChildObject {
  kube::Resource resource;  // kube::kStatefulSets, ...
  std::string name;
  nlohmann::json object;
};

nlohmann::json BuildMasterStatefulSet(const RedisPair& rp, const RenderInputs& in);
nlohmann::json BuildMasterHeadlessService(const RedisPair& rp);
nlohmann::json BuildMasterService(const RedisPair& rp);
nlohmann::json BuildReplicaDeployment(const RedisPair& rp, const RenderInputs& in);
nlohmann::json BuildReplicaService(const RedisPair& rp);
nlohmann::json BuildInfoCronJob(const RedisPair& rp);
// The generated auth Secret holding `password`. Created once and never re-applied, so the
// password is not regenerated on later passes.
nlohmann::json BuildAuthSecret(const RedisPair& rp, const std::string& password);

// The children to apply, in dependency order (Services before workloads, so DNS exists first).
// The CronJob is included only when enabled. Each object carries the annotation
// kSpecHashAnnotation: a digest of the rest of it, so a change of desired state is detected even
// where a subset comparison cannot see it (a field that was removed).
std::vector<ChildObject> DesiredChildren(const RedisPair& rp, const RenderInputs& in);

inline constexpr const char* kSpecHashAnnotation = "redispair.io/spec-hash";
inline constexpr const char* kAuthVersionAnnotation = "redispair.io/auth-secret-version";

}  // namespace redispair
