// Where the master's data lives. A local volume (minikube's local-path, or the test cluster's local
// PVs) pins the master to one node; the replica must keep off that node even while the master pod
// is gone, or the master can never be scheduled again.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace redispair {

// The node named by a PVC's `volume.kubernetes.io/selected-node` annotation, which the scheduler
// sets when it picks a node for a WaitForFirstConsumer claim. Pure.
std::optional<std::string> NodeFromClaim(const nlohmann::json& pvc);

// The single kubernetes.io/hostname value a PersistentVolume's required node affinity allows, if
// it allows exactly one (a local volume). Pure.
std::optional<std::string> NodeFromVolume(const nlohmann::json& pv);

}  // namespace redispair
