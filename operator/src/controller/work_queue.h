// A level-based, deduplicating, rate-limited work queue of string keys ("namespace/name"), with the
// semantics of client-go's workqueue:
//   - a key added many times before it is processed is processed once;
//   - a key is never handed to two workers at once: adding a key that is being processed marks it
//     dirty, and it is queued again when the worker calls Done();
//   - AddRateLimited() requeues after max(per-key exponential backoff, overall token bucket);
//     Forget() resets the key's backoff after a success.
//
// Thread-safe. Get() blocks until a key is ready or ShutDown() was called.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "controller/rate_limiter.h"

namespace redispair {

struct WorkQueueOptions {
  // client-go's defaults: 5 ms doubling to 1000 s per key; 10 qps with a burst of 100 overall.
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(5);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(1000);
  double qps = 10;
  int burst = 100;
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {});
  ~WorkQueue();  // shuts down and joins the delay thread
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  // Adds `key` once `delay` has passed (immediately if delay <= 0). A later, earlier AddAfter wins.
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks for the next key; nullopt once shut down. Every returned key must be passed to Done().
  std::optional<std::string> Get();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown();
  size_t Len();

 private:
  void AddLocked(const std::string& key);
  void DelayLoop();

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::condition_variable delay_cv_;
  std::deque<std::string> queue_;
  std::set<std::string>
      dirty_;  // keys waiting to be processed (in queue_ or parked by processing_)
  std::set<std::string> processing_;                       // keys handed out and not yet Done()
  std::multimap<Clock::time_point, std::string> waiting_;  // AddAfter, by due time
  std::map<std::string, Clock::time_point> waiting_due_;   // earliest due time per key
  ItemExponentialBackoff backoff_;
  TokenBucket bucket_;
  bool shutting_down_ = false;
  std::thread delay_thread_;
};

}  // namespace redispair
