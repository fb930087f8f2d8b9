// Where the master's data lives. A local volume (minikube's local-path, or the test cluster's local
// PVs) pins the master to one node; the replica must keep off that node even while the master pod
// is gone, or the master can never be scheduled again.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace redispair {

// The node named by a PVC's `volume.kubernetes.io/selected-node` annotation, which the scheduler
// sets when it picks a node for a WaitForFirstConsumer claim. Pure.
std::optional<std::string> NodeFromClaim(const nlohmann::json& pvc);

// The single kubernetes.io/hostname value a PersistentVolume's required node affinity allows, if
// it allows exactly one (a local volume). Pure.
std::optional<std::string> NodeFromVolume(const nlohmann::json& pv);

// The nodes a replica Deployment's pod template keeps off (its kubernetes.io/hostname NotIn
// values), as the operator rendered them. While the master's claim is gone or not bound yet (a
// lost volume), the operator keeps these rather than drop them: a changed template would roll the
// replica, and the replica then holds the only copy of the data. Pure.
std::vector<std::string> AvoidedNodes(const nlohmann::json& deployment);

}  // namespace redispair
