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
  // A digest of the operator's password (launcher.h), stamped on both pod templates: the pods
  // must restart only when that password changes, which it does only when its Secret had to be
  // made again. The clients' password is not stamped: it changes at runtime, and a metadata-only
  // edit of any Secret changes neither. Empty when auth is off.
  std::string operator_auth_hash;
  // Nodes the replica must avoid besides the master pod's: the node holding the master's volume,
  // once known. Anti-affinity only keeps the replica off the master's *current* node; while the
  // master pod is being replaced the replica could take the node its volume pins it to, and the
  // master would then stay Pending forever (the placement deadlock).
  std::vector<std::string> replica_avoid_nodes;
  // The operator's own image, which carries the static importer. When set, the master pod gets an
  // init container that copies it into a volume the redis container mounts at kImporterDir, so an
  // import is one `kubectl exec -i` (scripts/redisImport.sh). Empty: no importer in the pod.
  std::string importer_image;
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
// The ClusterIP Service the replica replicates through (names::MasterDns). It publishes the master
// as soon as the pod has an address, before its readiness passes, so the link is bounded by Redis
// starting, not by the probe period; users reach the master through BuildMasterService, which
// only routes to a ready master.
nlohmann::json BuildMasterReplicationService(const RedisPair& rp);
nlohmann::json BuildReplicaDeployment(const RedisPair& rp, const RenderInputs& in);
nlohmann::json BuildReplicaService(const RedisPair& rp);
nlohmann::json BuildReplicaHeadlessService(const RedisPair& rp);
nlohmann::json BuildInfoCronJob(const RedisPair& rp);
// The generated auth Secret holding `password`. Created once and never re-applied, so the
// password is not regenerated on later passes.
nlohmann::json BuildAuthSecret(const RedisPair& rp, const std::string& password);
// The operator's own Secret ("<name>-operator-auth"), created once in the same way.
nlohmann::json BuildOperatorSecret(const RedisPair& rp, const std::string& password);
// What the operator applies to take back a Secret of its own that has no controller any more:
// scripts/98-redis-down.sh keeps the generated "<name>-auth" with a retained volume, so that the
// next RedisPair of that name serves the old data with the old password. Only the ownerReference.
nlohmann::json BuildSecretAdoption(const RedisPair& rp, const std::string& name);
// The digest stamped as kOperatorAuthHashAnnotation for `operator_password`.
std::string OperatorAuthHash(const std::string& operator_password);

// The children to apply, in dependency order (Services before workloads, so DNS exists first).
// The CronJob is included only when enabled. Each object carries the annotation
// kSpecHashAnnotation: a digest of the rest of it, so a change of desired state is detected even
// where a subset comparison cannot see it (a field that was removed).
std::vector<ChildObject> DesiredChildren(const RedisPair& rp, const RenderInputs& in);

inline constexpr const char* kSpecHashAnnotation = "redispair.io/spec-hash";
inline constexpr const char* kOperatorAuthHashAnnotation = "redispair.io/operator-auth-hash";

}  // namespace redispair
