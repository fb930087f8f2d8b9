// Every name and label the operator gives a child, derived in one place so that the renderer, the
// status computation, the scripts' expectations and the tests agree.
#pragma once

#include <map>
#include <string>

#include "controller/redispair.h"

namespace redispair::names {

inline constexpr const char* kFieldManager = "redispair-operator";

// The recommended app.kubernetes.io label keys, and the values every child shares.
inline constexpr const char* kLabelName = "app.kubernetes.io/name";
inline constexpr const char* kLabelInstance = "app.kubernetes.io/instance";  // the RedisPair's name
inline constexpr const char* kLabelComponent = "app.kubernetes.io/component";
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kLabelPartOf = "app.kubernetes.io/part-of";
inline constexpr const char* kAppName = "redis";
inline constexpr const char* kManagedBy = "redispair-operator";
inline constexpr const char* kPartOf = "redispair";

// Components (the app.kubernetes.io/component label): the two roles, and the CronJob and Secret
// that serve them.
inline constexpr const char* kRoleMaster = "master";
inline constexpr const char* kRoleReplica = "replica";
inline constexpr const char* kComponentInfo = "info";
inline constexpr const char* kComponentAuth = "auth";

// Inside the pods: the Redis port (its container port and Service port are both named
// kRedisPortName), the container, and the data volume (the master's volumeClaimTemplate, the
// replica's emptyDir).
inline constexpr int kRedisPort = 6379;
inline constexpr const char* kRedisPortName = "redis";
inline constexpr const char* kRedisContainer = "redis";
inline constexpr const char* kInfoContainer = "info";
inline constexpr const char* kDataVolume = "data";
// The master pod's copy of the importer: its volume and the init container that fills it.
inline constexpr const char* kImporterVolume = "importer";
inline constexpr const char* kImporterInitContainer = "install-importer";

inline std::string MasterStatefulSet(const RedisPair& rp) { return rp.name + "-master"; }
inline std::string MasterPod(const RedisPair& rp) { return rp.name + "-master-0"; }
inline std::string MasterHeadlessService(const RedisPair& rp) {
  return rp.name + "-master-headless";
}
inline std::string MasterService(const RedisPair& rp) { return rp.name + "-master"; }
inline std::string MasterReplicationService(const RedisPair& rp) {
  return rp.name + "-master-repl";
}
inline std::string ReplicaDeployment(const RedisPair& rp) { return rp.name + "-replica"; }
inline std::string ReplicaService(const RedisPair& rp) { return rp.name + "-replica"; }
// Lists every replica pod, ready or not: the master's launcher asks them for data before it starts
// on an empty volume (launcher.h), and a replica whose master is down is not ready.
inline std::string ReplicaHeadlessService(const RedisPair& rp) {
  return rp.name + "-replica-headless";
}
inline std::string InfoCronJob(const RedisPair& rp) { return rp.name + "-info"; }
inline std::string GeneratedSecret(const RedisPair& rp) { return rp.name + "-auth"; }
// The operator's own password (auth on only): probes, replication and the operator use it, so the
// clients' password can change at runtime (launcher.h). Generated once, never shown to users.
inline std::string OperatorSecret(const RedisPair& rp) { return rp.name + "-operator-auth"; }
inline constexpr const char* kOperatorSecretKey = "password";
// The StatefulSet controller names the claim "<template>-<statefulset>-<ordinal>".
inline std::string MasterPvc(const RedisPair& rp) {
  return std::string(kDataVolume) + "-" + MasterStatefulSet(rp) + "-0";
}

// The Secret the pods read the password from: the user's, or the generated one.
inline std::string AuthSecret(const RedisPair& rp) {
  return rp.spec.auth_secret_name.empty() ? GeneratedSecret(rp) : rp.spec.auth_secret_name;
}

// The master's stable DNS name, which replicas follow; never a pod IP, which changes on restart.
// It is the replication Service's, not the pod's headless name: that one's address changes with
// every master restart, and cluster DNS caches answers for it (30 s for both the old address and
// "no such name" with kubeadm's and minikube's CoreDNS), so a replica dialled a dead address until
// its 60 s connect timeout. A Service's virtual IP never changes; kube-proxy moves it to the new
// pod.
inline std::string MasterDns(const RedisPair& rp) {
  return MasterReplicationService(rp) + "." + rp.namespace_ + ".svc";
}

// Where the master's launcher finds the replicas: "host:port" of their headless Service.
inline std::string ReplicaHeadlessAddress(const RedisPair& rp) {
  return ReplicaHeadlessService(rp) + "." + rp.namespace_ + ".svc:" + std::to_string(kRedisPort);
}

// Labels that select a role's pods. Stable for the life of the object: they are in immutable
// selectors.
inline std::map<std::string, std::string> SelectorLabels(const RedisPair& rp,
                                                         const std::string& component) {
  return {{kLabelName, kAppName}, {kLabelInstance, rp.name}, {kLabelComponent, component}};
}

// The recommended labels on every child.
inline std::map<std::string, std::string> CommonLabels(const RedisPair& rp,
                                                       const std::string& component) {
  auto labels = SelectorLabels(rp, component);
  labels[kLabelManagedBy] = kManagedBy;
  labels[kLabelPartOf] = kPartOf;
  return labels;
}

// The selector the operator's informers use to see only its own children.
inline std::string ManagedBySelector() { return std::string(kLabelManagedBy) + "=" + kManagedBy; }

}  // namespace redispair::names
