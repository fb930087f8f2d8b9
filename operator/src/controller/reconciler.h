// Reconciles one RedisPair: Reconcile() reads as its numbered plan (load; ensure auth; compute the
// desired children; apply them; delete disabled children; observe the pods; probe replication;
// break the placement deadlock; compute and write the status; requeue), each step a function
// below, in the manner of kubebuilder's cronjob_controller.go.
//
// Reads come from informer caches (ObjectCache), except the user-named Secret and the master's
// PersistentVolume, which the operator does not watch. Writes go through kube::KubeClient. Both
// are interfaces, so the reconciler can be tested with a fake client and filled Stores.
//
// Thread-safety: Reconcile() may run concurrently for different keys (the work queue never hands
// out the same key twice at once).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/auth_secret.h"
#include "controller/data_safety.h"
#include "controller/observation.h"
#include "controller/render.h"
#include "events/recorder.h"
#include "informer/object_cache.h"
#include "kube/resource.h"
#include "util/status.h"

namespace redispair {
namespace kube {
class KubeClient;
}
class Metrics;
class ReplicationProber;

// What the work queue does with a key after a reconcile: either retry it with per-key backoff
// (error not OK), or look again after requeue_after (zero: only on the next event). Never both,
// as controller-runtime's reconcile.Result; use the factories.
struct ReconcileResult {
  Status error;
  std::chrono::milliseconds requeue_after{0};

  // Nothing more to do until the next event.
  static ReconcileResult Done() { return {}; }
  // Retry with backoff; an OK `error` means Done().
  static ReconcileResult Retry(Status error) { return {std::move(error), {}}; }
  // Look again after `delay` although nothing changed.
  static ReconcileResult After(std::chrono::milliseconds delay) { return {Status::Ok(), delay}; }
};

struct ReconcilerDeps {
  kube::KubeClient* client = nullptr;
  Metrics* metrics = nullptr;            // nullable
  ReplicationProber* prober = nullptr;   // nullable: replication is then never probed
  events::Recorder* recorder = nullptr;  // nullable: no Events are recorded
  // The caches the reconciler reads, by resource: kRedisPairs, kube::kSecrets, kube::kPods,
  // kube::kPersistentVolumeClaims and the resource of every child (render.h). A resource without
  // a cache reads as empty.
  std::map<kube::Resource, const ObjectCache*> caches;
  std::function<std::string()> now_rfc3339;  // clock seam for lastTransitionTime
};

class Reconciler {
 public:
  // Every pointer in `deps` must outlive the reconciler.
  explicit Reconciler(ReconcilerDeps deps) : deps_(std::move(deps)) {}

  // Reconciles the RedisPair with this "namespace/name" key.
  ReconcileResult Reconcile(const std::string& key);

  // How often a healthy pair is re-probed: replication health changes without any API event.
  static constexpr std::chrono::seconds kHealthyResync{30};
  // How soon an unhealthy pair is looked at again, for the same reason.
  static constexpr std::chrono::seconds kUnhealthyResync{5};
  // How soon a pair whose master is being refilled is looked at again: each step of the refill
  // (refill.h) waits for a pass, and the master refuses writes until the last one.
  static constexpr std::chrono::seconds kRefillResync{1};

 private:
  // Step 1, when the spec cannot be parsed: says so in status.
  Status ReportInvalidSpec(const nlohmann::json& object, const Status& error);
  // Step 2. Errors are API failures; a Secret the user must fix is AuthState::error.
  StatusOr<AuthState> EnsureAuth(const RedisPair& rp);
  Status ReadUserSecret(const RedisPair& rp, AuthState* auth);
  // The operator's own Secret, or the generated clients' Secret: read from the cache, else
  // created once with a new password (or, for the operator's, the one it last read, so that a
  // deleted Secret does not restart the pods).
  StatusOr<nlohmann::json> EnsureOwnSecret(const RedisPair& rp, const std::string& name,
                                           bool operator_secret);
  // Step 3: the node the master's volume is pinned to, when a local volume pins it.
  std::optional<std::string> MasterVolumeNode(const RedisPair& rp);
  // Step 4. Returns an error only when the pass must stop (the API server is away); a child the
  // API server refused is kept in *refused, when that holds no error yet.
  Status ApplyChildren(const RedisPair& rp, const std::vector<ChildObject>& children,
                       Status* refused);
  // Applies `child` when the cache lacks it or it drifted; returns whether it wrote.
  StatusOr<bool> ApplyIfChanged(const RedisPair& rp, const ChildObject& child);
  // Step 5.
  Status DeleteDisabledChildren(const RedisPair& rp);
  Status DeleteOwnedChild(const RedisPair& rp, const kube::Resource& resource,
                          const std::string& name);
  // Step 6.
  Observation ObservePods(const RedisPair& rp) const;
  std::vector<nlohmann::json> PodsOf(const RedisPair& rp, const std::string& component) const;
  // Step 7: fills observed->replication, and the lag metric.
  void ProbeReplication(const RedisPair& rp, const std::string& password, Observation* observed);
  void RecordLag(const RedisPair& rp, const ReplicationObservation& replication);
  // Step 8: the master's data (refill, evidence) and the clients' password, at runtime
  // (data_safety.h). Fills observed->data_condition and observed->data_evidence.
  void SecureData(const RedisPair& rp, const AuthState& auth, Observation* observed);
  // Records the data-safety and auth Events of a pass, each also a log line.
  void RecordAll(const RedisPair& rp, const std::vector<events::Event>& events);
  // Step 9: when the master cannot be scheduled and a replica pod sits on the node its volume
  // pins it to, deletes that replica pod (the placement deadlock; see volume_node.h).
  Status BreakPlacementDeadlock(const RedisPair& rp, const PodObservation& master,
                                const std::string& volume_node);
  // Step 10.
  Status WriteStatusIfChanged(const RedisPair& rp, nlohmann::json status);

  const ObjectCache& Cache(const kube::Resource& resource) const;
  void CountWrite(const std::string& what);
  // Records an Event about `rp` (deduplicated and rate-limited by the recorder); never fails.
  void Record(const RedisPair& rp, const events::Event& event);

  ReconcilerDeps deps_;
  // PersistentVolume name -> pinned node. A PV's node affinity is immutable, so one GET per volume
  // is enough for the life of the process.
  std::mutex pv_mu_;
  std::map<std::string, std::string> pv_nodes_;  // guarded by pv_mu_
  // "namespace/name" -> the operator's password last read from its Secret, to make the Secret
  // again with the same value when it is deleted.
  std::mutex operator_passwords_mu_;
  std::map<std::string, std::string> operator_passwords_;  // guarded by operator_passwords_mu_
};

}  // namespace redispair
