// Reconciles one RedisPair: Reconcile() reads as its numbered plan (load; ensure auth; compute the
// desired children; apply them; delete disabled children; observe the pods; probe replication;
// break the placement deadlock; compute and write the status; requeue), each step a function
// below, in the manner of kubebuilder's cronjob_controller.go.
//
// Reads come from informer caches (ObjectCache), except the auth Secret (read by name: the
// operator watches no Secret), a child missing from its cache (is the name someone else's?) and
// the master's PersistentVolume. Writes go through kube::KubeClient, only to objects that carry
// the pair's controller ownerReference (child_applier.h). Both are interfaces, so the reconciler
// can be tested with a fake client and filled Stores. What users would want to see in
// `kubectl describe rp` is also recorded as Events (status_events.h).
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
#include "controller/child_applier.h"
#include "controller/data_safety.h"
#include "controller/observation.h"
#include "controller/render.h"
#include "controller/resync.h"
#include "controller/status_memory.h"
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
// as controller-runtime's reconcile.Result; use the factories. Errors are only what stops a pass
// (the API server away, a status write that failed); a child the API server refuses is reported
// in status and retried on its own backoff (apply_backoff.h), while the pair keeps its resync.
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
  // The caches the reconciler reads, by resource: kRedisPairs, kube::kPods,
  // kube::kPersistentVolumeClaims and the resource of every child (render.h) but Secrets. A
  // resource without a cache reads as empty.
  std::map<kube::Resource, const ObjectCache*> caches;
  std::function<std::string()> now_rfc3339;  // clock seam for lastTransitionTime
  // Clock seam for the backoff of refused applies; empty: the steady clock.
  std::function<ApplyBackoff::Clock::time_point()> now_steady;
  std::string importer_image;  // RenderInputs::importer_image
};

class Reconciler {
 public:
  // Every pointer in `deps` must outlive the reconciler.
  explicit Reconciler(ReconcilerDeps deps);

  // Reconciles the RedisPair with this "namespace/name" key.
  ReconcileResult Reconcile(const std::string& key);

  // The resync periods (resync.h), here for the tests and the work queue.
  static constexpr std::chrono::seconds kHealthyResync = resync::kHealthy;
  static constexpr std::chrono::seconds kUnhealthyResync = resync::kUnhealthy;
  static constexpr std::chrono::seconds kRefillResync = resync::kRefill;
  static constexpr std::chrono::seconds kIdleResync = resync::kIdle;

 private:
  // What step 4 did, for the status and the Events.
  struct ChildrenReport {
    std::vector<std::string> created;  // "StatefulSet redis-master"
    std::string conflict;              // the first child name held by someone else's object
    std::string node_port_conflict;    // the first NodePort another Service holds
    std::string refused;               // the first refusal of the API server
  };

  // Step 1, when the spec cannot be parsed: says so in status.
  Status ReportInvalidSpec(const nlohmann::json& object, const Status& error);
  // Step 2. Errors are API failures; a Secret the user must fix is AuthState::error. A Secret
  // that was created is added to report->created; one held by another owner is a conflict.
  StatusOr<AuthState> EnsureAuth(const RedisPair& rp, ChildrenReport* report);
  // The user-named Secret, read by name and used only when its owner opted in (auth_secret.h).
  Status ReadUserSecret(const RedisPair& rp, AuthState* auth);
  // The operator's own Secret, or the generated clients' Secret: read by name (watching them
  // would take list and watch on every Secret of the namespace, which RBAC cannot narrow to a
  // label); one without a controller (kept by scripts/98-redis-down.sh with the data) is adopted;
  // a missing one is created once with a new password (or, for the operator's, the one it last
  // read, so that a deleted Secret does not restart the pods). A null object, with
  // report->conflict set, when another owner holds the name.
  StatusOr<nlohmann::json> EnsureOwnSecret(const RedisPair& rp, const std::string& name,
                                           bool operator_secret, ChildrenReport* report);
  // Step 3: the node the master's volume is pinned to, when a local volume pins it.
  std::optional<std::string> MasterVolumeNode(const RedisPair& rp);
  // Step 4, the independent children at once (concurrently.h). Returns an error only when the
  // pass must stop (the API server is away).
  Status ApplyChildren(const RedisPair& rp, const std::vector<ChildObject>& children,
                       ChildrenReport* report);
  // Step 4, its Events.
  void RecordChildEvents(const RedisPair& rp, const ChildrenReport& report);
  // Step 5.
  Status DeleteDisabledChildren(const RedisPair& rp);
  Status DeleteOwnedChild(const RedisPair& rp, const kube::Resource& resource,
                          const std::string& name);
  // Step 6. The pods of the pair, by role (its instance label), from one pass over the cache.
  struct PairPods {
    std::vector<nlohmann::json> masters;
    std::vector<nlohmann::json> replicas;
  };
  PairPods PodsOf(const RedisPair& rp) const;
  Observation ObservePods(const RedisPair& rp, const PairPods& pods) const;
  // Step 7: fills observed->replication, and the lag metric.
  void ProbeReplication(const RedisPair& rp, const std::string& password, Observation* observed);
  void RecordLag(const RedisPair& rp, const ReplicationObservation& replication);
  // Step 8: the master's data (refill, evidence) and the clients' password, at runtime
  // (data_safety.h). Fills observed->data_condition and observed->data_evidence.
  void SecureData(const RedisPair& rp, const AuthState& auth,
                  const std::vector<nlohmann::json>& replica_pods, Observation* observed);
  // Records the data-safety and auth Events of a pass, each also a log line.
  void RecordAll(const RedisPair& rp, const std::vector<events::Event>& events);
  // Step 9: when the master cannot be scheduled and a replica pod sits on the node its volume
  // pins it to, deletes that replica pod (the placement deadlock; see volume_node.h).
  Status BreakPlacementDeadlock(const RedisPair& rp, const PodObservation& master,
                                const std::vector<nlohmann::json>& replica_pods,
                                const std::string& volume_node);
  // Step 10: writes `status` unless it equals the previous one (the cached status, or this
  // process's last write while the cache lacks it; cached_version is the cached object's
  // resourceVersion), then records the transition Events.
  Status WriteStatusIfChanged(const RedisPair& rp, const std::string& cached_version,
                              nlohmann::json status);

  const ObjectCache& Cache(const kube::Resource& resource) const;
  void CountWrite(const std::string& what);
  // Records an Event about `rp` (deduplicated and rate-limited by the recorder); never fails.
  void Record(const RedisPair& rp, const events::Event& event);

  ReconcilerDeps deps_;
  ChildApplier applier_;
  StatusMemory status_memory_;
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
