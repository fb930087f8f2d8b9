// Kubernetes Events (events.k8s.io/v1) about the objects the operator manages, for
// `kubectl describe rp` and `kubectl get events`, in the manner of client-go's
// tools/events.EventRecorder:
//
//   std::unique_ptr<events::Recorder> recorder = events::NewRecorder(kube_client, {});
//   recorder->Record(regarding, {.type = events::Type::kWarning, .reason = "ChildConflict",
//                                .action = "Apply", .note = "Service redis/redis-master ..."});
//
// What the recorder guarantees, so that callers may record on every pass without flooding etcd:
//   - deduplication: a repeat of the same type, reason, action and note about the same object
//     within kSeriesWindow of the last one does not create another Event; it counts in the first
//     one's `series` (count, lastObservedTime), as client-go's EventSeries does. The series is
//     written on the first repeat, then at most once per kSeriesRefresh;
//   - a rate limit per object: a token bucket of kBurst writes, refilled one every
//     kRefillInterval (client-go's EventSourceObjectSpamFilter). Writes beyond it are dropped and
//     counted in redispair_events_dropped_total;
//   - best effort: Record() never fails. An Event the API server refuses is logged and dropped; a
//     reconcile must not fail because its Event could not be written.
//
// What callers guarantee: a note never holds a secret (no password, no token). The recorder
// cannot tell a password from other text; it only cuts notes to the API's limit of 1024 bytes.
//
// Thread-safety: Record() may be called from any number of threads. Each call makes at most one
// API request, on the calling thread, outside the recorder's lock.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace redispair {
namespace kube {
class KubeClient;
}
class Metrics;

namespace events {

enum class Type { kNormal, kWarning };

// The object an Event is about (Event.regarding). Events live in its namespace.
struct ObjectRef {
  std::string api_version{};  // "redispair.io/v1alpha1"
  std::string kind{};         // "RedisPair"
  std::string namespace_{};
  std::string name{};
  std::string uid{};  // tells this object from an earlier one of the same name
};

struct Event {
  Type type = Type::kNormal;
  // Why, in CamelCase, at most 128 characters: "ChildConflict", "Ready".
  std::string reason{};
  // What the operator did or failed to do, in CamelCase, at most 128 characters: "Apply",
  // "DeletePod". Empty means "Reconcile".
  std::string action{};
  // For people: what happened and what to do. Cut to 1024 bytes. Never a secret.
  std::string note{};
};

class Recorder {
 public:
  virtual ~Recorder() = default;

  // Records that `event` happened to `regarding` now. Best effort; see the file comment.
  virtual void Record(const ObjectRef& regarding, const Event& event) = 0;
};

struct RecorderOptions {
  // Event.reportingController: who reports, as a qualified name.
  std::string reporting_controller = "redispair.io/redispair-operator";
  // Event.reportingInstance: which copy reports. Empty: the host name, which in a pod is the
  // pod's name.
  std::string reporting_instance{};
  // The server-side apply field manager of series updates.
  std::string field_manager = "redispair-operator";
  Metrics* metrics = nullptr;  // nullable
  // Clock seam for tests; empty: the system clock.
  std::function<std::chrono::system_clock::time_point()> now{};
};

// Tunables, after client-go (tools/events and tools/record).
// A repeat joins the series while its last occurrence is at most this old (client-go: 6 min).
inline constexpr std::chrono::minutes kSeriesWindow{6};
// A running series is written at most this often; the count is exact again on the next write.
inline constexpr std::chrono::seconds kSeriesRefresh{60};
// Per object: up to kBurst writes at once, then one more every kRefillInterval
// (client-go's spam filter: burst 25, 1 per 5 minutes).
inline constexpr int kBurst = 25;
inline constexpr std::chrono::minutes kRefillInterval{5};
// How many series and objects are remembered (client-go's LRU: 4096); older ones are forgotten.
inline constexpr size_t kMaxTracked = 4096;

// A Recorder that writes through `client`, which (and options.metrics) must outlive it.
std::unique_ptr<Recorder> NewRecorder(kube::KubeClient* client, RecorderOptions options);

}  // namespace events
}  // namespace redispair
