// Every name and label the operator gives a child, derived in one place so that the renderer, the
// status computation, the scripts' expectations and the tests agree.
#pragma once

#include <map>
#include <string>

#include "controller/redispair.h"

namespace redispair::names {

inline constexpr const char* kFieldManager = "redispair-operator";
inline constexpr const char* kManagedBy = "redispair-operator";
inline constexpr int kRedisPort = 6379;

inline constexpr const char* kRoleMaster = "master";
inline constexpr const char* kRoleReplica = "replica";

inline std::string MasterStatefulSet(const RedisPair& rp) { return rp.name + "-master"; }
inline std::string MasterPod(const RedisPair& rp) { return rp.name + "-master-0"; }
inline std::string MasterHeadlessService(const RedisPair& rp) {
  return rp.name + "-master-headless";
}
inline std::string MasterService(const RedisPair& rp) { return rp.name + "-master"; }
inline std::string ReplicaDeployment(const RedisPair& rp) { return rp.name + "-replica"; }
inline std::string ReplicaService(const RedisPair& rp) { return rp.name + "-replica"; }
inline std::string InfoCronJob(const RedisPair& rp) { return rp.name + "-info"; }
inline std::string GeneratedSecret(const RedisPair& rp) { return rp.name + "-auth"; }
inline std::string DataVolumeClaimTemplate() { return "data"; }
// The StatefulSet controller names the claim "<template>-<statefulset>-<ordinal>".
inline std::string MasterPvc(const RedisPair& rp) {
  return DataVolumeClaimTemplate() + "-" + MasterStatefulSet(rp) + "-0";
}

// The Secret the pods read the password from: the user's, or the generated one.
inline std::string AuthSecret(const RedisPair& rp) {
  return rp.spec.auth_secret_name.empty() ? GeneratedSecret(rp) : rp.spec.auth_secret_name;
}

// The master's stable DNS name, which replicas follow; never a pod IP, which changes on restart.
inline std::string MasterDns(const RedisPair& rp) {
  return MasterPod(rp) + "." + MasterHeadlessService(rp) + "." + rp.namespace_ + ".svc";
}

// Labels that select a role's pods. Stable for the life of the object: they are in immutable
// selectors.
inline std::map<std::string, std::string> SelectorLabels(const RedisPair& rp,
                                                         const std::string& component) {
  return {{"app.kubernetes.io/name", "redis"},
          {"app.kubernetes.io/instance", rp.name},
          {"app.kubernetes.io/component", component}};
}

// The recommended labels on every child.
inline std::map<std::string, std::string> CommonLabels(const RedisPair& rp,
                                                       const std::string& component) {
  auto labels = SelectorLabels(rp, component);
  labels["app.kubernetes.io/managed-by"] = kManagedBy;
  labels["app.kubernetes.io/part-of"] = "redispair";
  return labels;
}

// The selector the operator's informers use to see only its own children.
inline std::string ManagedBySelector() {
  return std::string("app.kubernetes.io/managed-by=") + kManagedBy;
}

}  // namespace redispair::names
