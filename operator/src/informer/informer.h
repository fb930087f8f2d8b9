// An informer keeps a local cache of one kube::Resource in sync with the API server (through
// kube::KubeClient) and calls a handler for every change, following client-go's reflector:
//   - LIST (paginated), replace the cache, then WATCH from the list's resourceVersion with
//     allowWatchBookmarks and a random timeoutSeconds in [300, 600);
//   - the stream is split into events on newlines (never on chunk boundaries);
//   - every object is transformed before it is stored: managedFields always go, and then
//     InformerOptions::transform drops what the cache's readers never read (transform.h);
//   - BOOKMARK events only advance the resourceVersion;
//   - 410 Gone, or an ERROR event with code 410 or reason Expired/Gone, triggers a relist; objects
//     missing from the relist are reported as deleted; a malformed event also relists, since an
//     event may have been lost;
//   - any other failure retries the watch after a jittered backoff (0.8 s doubling to 30 s);
//   - a watch that ends at once (within kMinWatchDuration, without a single event), whether the
//     server closed it, answered an empty 200, a 410 or an error, counts as a failure and backs
//     off too, so that a misbehaving server is never hammered in a tight loop (client-go's
//     "very short watch"). The backoff resets only once a watch worked: it delivered an event
//     or lasted kMinWatchDuration.
//
// Liveness: a watch that receives no byte for watch_idle_timeout (75 s, from the API server's
// bookmark interval; see kube::kWatchIdleTimeout) is declared dead and replaced. Liveness()
// reports whether the informer has heard from the API server (a list, a watch accepted, a watch
// line) within the idle timeout plus one open timeout (90 s: kube::kWatchLivenessBound), so that
// a dead watch found and replaced at once never turns it unready; the operator's /readyz is built
// on it.
//
// Metrics (when a registry is given), labelled by resource (the plural):
//   redispair_informer_lists_total{resource}           completed lists
//   redispair_watch_events_total{resource,type}        watch events received, by type (ADDED,
//                                                      MODIFIED, DELETED, BOOKMARK, ERROR)
//   redispair_watch_restarts_total{resource,reason}    watches that ended other than normally:
//                                                      gone (relist), idle (no byte for the idle
//                                                      timeout), short (ended at once), error
//
// Thread-safety: Start() runs the loop on its own thread. Get/List/HasSynced/Liveness may be
// called from any thread. The handler and the transform run on the informer's thread, outside the
// cache lock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "informer/backoff.h"
#include "informer/object_cache.h"
#include "informer/store.h"
#include "informer/transform.h"
#include "kube/api_client.h"
#include "kube/resource.h"

namespace redispair {
namespace kube {
class KubeClient;
}
class Metrics;

struct InformerOptions {
  std::string namespace_{};      // empty: all namespaces
  std::string label_selector{};  // empty: everything
  int page_size = 500;
  // Applied to every object after managedFields were dropped; empty: nothing more is dropped.
  Transform transform{};
  // The watch's bounds (kube::WatchOptions); only tests change them. Their sum is the Liveness()
  // bound.
  std::chrono::milliseconds watch_open_timeout{kube::kWatchOpenTimeout};
  std::chrono::milliseconds watch_idle_timeout{kube::kWatchIdleTimeout};
};

class Informer : public ObjectCache {
 public:
  using Handler = std::function<void(const StoreChange&)>;

  // A watch that ended sooner than this without a single event did not work (see above).
  static constexpr std::chrono::seconds kMinWatchDuration{1};

  // Caches `resource`. `client` and `metrics` (nullable) must outlive the informer.
  Informer(kube::KubeClient* client, kube::Resource resource, InformerOptions options,
           Handler handler, Metrics* metrics);
  ~Informer() override;  // Stop() and join
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void Start();
  // Ends the loop after the current call returns. A blocked watch ends only when the client is
  // shut down (kube::ApiClient::Shutdown) or the watch times out, so the operator shuts the
  // client down first.
  void Stop();

  // True once the first list has been stored.
  bool HasSynced() const { return synced_.load(); }

  // OK while the cache is synced and the informer heard from the API server within
  // watch_idle_timeout + watch_open_timeout; else Unavailable, naming the resource, how long it has
  // been, and the last error. A healthy watch hears at least a bookmark a minute, so "not live"
  // means the watch died and could not be re-established.
  Status Liveness() const;

  ObjectPtr Get(const std::string& key) const override;
  std::vector<ObjectPtr> List() const override;

 private:
  // How one watch ended.
  struct WatchOutcome {
    Status status;
    bool opened = false;  // the server accepted it (HTTP 200)
    bool worked = false;  // opened, and delivered an event or lasted kMinWatchDuration
    bool idle = false;    // ended by the idle timeout: no byte for watch_idle_timeout
  };

  void Run();
  // Lists into the cache; returns the list's resourceVersion.
  StatusOr<std::string> ListAndReplace();
  // Watches from `*rv` until the stream ends; updates `*rv`. Gone means relist.
  WatchOutcome WatchOnce(std::string* rv);
  // Waits out the next backoff after `error` (logged as `what`), unless stopped first; returns
  // false when stopped.
  bool BackOff(const char* what, const Status& error);
  void Emit(const std::vector<StoreChange>& changes);
  // Readies an object for the cache: drops managedFields, then applies the transform.
  void Prepare(nlohmann::json* object) const;
  // Records a sign of life of the API server (for Liveness).
  void MarkAlive();
  void SetLastError(const Status& error);
  void CountRestart(const char* reason);
  // Sleeps unless stopped first; returns false when stopped.
  bool SleepFor(std::chrono::milliseconds d);

  kube::KubeClient* client_;
  const kube::Resource resource_;
  const InformerOptions options_;
  Handler handler_;
  Metrics* metrics_;

  mutable std::mutex mu_;
  Store store_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> synced_{false};
  // steady_clock time of the last sign of life, in its native ticks.
  std::atomic<std::chrono::steady_clock::rep> last_alive_{0};
  mutable std::mutex error_mu_;
  std::string last_error_;  // guarded by error_mu_
  JitteredBackoff backoff_;
  std::thread thread_;
};

}  // namespace redispair
