// An informer keeps a local cache of one kube::Resource in sync with the API server (through
// kube::KubeClient) and calls a handler for every change, following client-go's reflector:
//   - LIST (paginated), replace the cache, then WATCH from the list's resourceVersion with
//     allowWatchBookmarks and a random timeoutSeconds in [300, 600);
//   - the stream is split into events on newlines (never on chunk boundaries);
//   - BOOKMARK events only advance the resourceVersion;
//   - 410 Gone, or an ERROR event with code 410 or reason Expired/Gone, triggers a relist; objects
//     missing from the relist are reported as deleted;
//   - any other failure retries the watch after a jittered backoff (0.8 s doubling to 30 s);
//     a malformed event also relists, since an event may have been lost.
//
// Thread-safety: Start() runs the loop on its own thread. Get/List/HasSynced may be called from any
// thread. The handler runs on the informer's thread, outside the cache lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "informer/backoff.h"
#include "informer/object_cache.h"
#include "informer/store.h"
#include "kube/resource.h"

namespace redispair {
namespace kube {
class KubeClient;
}
class Metrics;

struct InformerOptions {
  std::string namespace_;      // empty: all namespaces
  std::string label_selector;  // empty: everything
  int page_size = 500;
};

class Informer : public ObjectCache {
 public:
  using Handler = std::function<void(const StoreChange&)>;

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

  ObjectPtr Get(const std::string& key) const override;
  std::vector<ObjectPtr> List() const override;

 private:
  void Run();
  // Lists into the cache; returns the list's resourceVersion.
  StatusOr<std::string> ListAndReplace();
  // Watches from `*rv` until the stream ends; updates `*rv`. Gone means relist.
  Status WatchOnce(std::string* rv);
  void Emit(const std::vector<StoreChange>& changes);
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
  JitteredBackoff backoff_;
  std::thread thread_;
};

}  // namespace redispair
