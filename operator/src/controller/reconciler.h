// Reconcile one RedisPair, in the order controller-runtime's examples use:
//   1. load the RedisPair from the cache; if it is gone, stop (garbage collection removes
//   children);
//   2. make sure the auth Secret exists and read it;
//   3. render the desired children and server-side apply each one that differs from the cache
//      (deleting the INFO CronJob when it is disabled);
//   4. observe the pods and probe replication;
//   5. compute the status from the observation and write it only if it changed.
//
// Thread-safety: Reconcile() may run concurrently for different keys (the work queue never hands
// out the same key twice at once). All reads come from informer caches except the user-named
// Secret.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "controller/observation.h"
#include "controller/render.h"
#include "util/status.h"

namespace redispair {
namespace kube {
class ApiClient;
}
class Informer;
class Metrics;
class ReplicationProber;

struct ReconcileResult {
  // Retried with per-key backoff when not OK. Never combined with requeue_after.
  Status error;
  // When OK: look again after this long (zero: only on the next event).
  std::chrono::milliseconds requeue_after{0};
};

struct ReconcilerDeps {
  kube::ApiClient* client = nullptr;
  Metrics* metrics = nullptr;  // nullable
  ReplicationProber* prober = nullptr;
  Informer* redispairs = nullptr;
  Informer* statefulsets = nullptr;
  Informer* deployments = nullptr;
  Informer* services = nullptr;
  Informer* cronjobs = nullptr;
  Informer* secrets = nullptr;
  Informer* pods = nullptr;
  Informer* claims = nullptr;                // PersistentVolumeClaims
  std::function<std::string()> now_rfc3339;  // clock seam for lastTransitionTime
};

class Reconciler {
 public:
  explicit Reconciler(ReconcilerDeps deps) : deps_(std::move(deps)) {}

  ReconcileResult Reconcile(const std::string& key);

  // How often a healthy pair is re-probed: replication health changes without any API event.
  static constexpr std::chrono::seconds kHealthyResync{30};
  // How soon an unhealthy pair is looked at again, for the same reason.
  static constexpr std::chrono::seconds kUnhealthyResync{5};

 private:
  struct AuthState {
    std::string password;
    std::string secret_version;
    std::string error;  // for status: what is wrong with the Secret and how to fix it
  };

  StatusOr<AuthState> EnsureAuth(const RedisPair& rp);
  // Applies `child` when the cache lacks it or it drifted; returns whether it wrote.
  StatusOr<bool> ApplyIfChanged(const ChildObject& child, Informer* cache);
  // When the master cannot be scheduled and a replica pod sits on the node its volume pins it to,
  // deletes that replica pod (the placement deadlock); see volume_node.h.
  Status BreakPlacementDeadlock(const RedisPair& rp, const PodObservation& master,
                                const std::string& volume_node);
  Status DeleteIfPresent(const std::string& api_path, const std::string& name, Informer* cache,
                         const RedisPair& rp);
  Status WriteStatusIfChanged(const RedisPair& rp, nlohmann::json status);
  Informer* CacheFor(const std::string& api_path) const;
  // The node the master's volume is pinned to, when a local volume pins it; see volume_node.h.
  std::optional<std::string> MasterVolumeNode(const RedisPair& rp);
  void CountWrite(const char* what);

  ReconcilerDeps deps_;
  // PersistentVolume name -> pinned node. A PV's node affinity is immutable, so one GET per volume
  // is enough for the life of the process.
  std::mutex pv_mu_;
  std::map<std::string, std::string> pv_nodes_;
};

// A random password of 32 characters from [A-Za-z0-9], read from /dev/urandom.
StatusOr<std::string> GeneratePassword();

}  // namespace redispair
