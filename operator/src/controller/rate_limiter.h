// Rate limiters for the work queue, after client-go's workqueue.DefaultControllerRateLimiter:
// the maximum of a per-item exponential backoff and an overall token bucket.
//
// Not thread-safe on their own; the WorkQueue serialises access under its mutex.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace redispair {

using Clock = std::chrono::steady_clock;

// Per-key delay that doubles on every failure: base, 2*base, 4*base ... capped at max.
class ItemExponentialBackoff {
 public:
  ItemExponentialBackoff(std::chrono::nanoseconds base, std::chrono::nanoseconds max)
      : base_(base), max_(max) {}

  // Records a failure of `key` and returns how long to wait before retrying it.
  std::chrono::nanoseconds When(const std::string& key);
  // Clears the failure history of `key` (after a success).
  void Forget(const std::string& key) { failures_.erase(key); }
  int Failures(const std::string& key) const;

 private:
  std::chrono::nanoseconds base_;
  std::chrono::nanoseconds max_;
  std::map<std::string, int> failures_;
};

// A token bucket: `qps` tokens a second, up to `burst` saved. When() reserves a token and returns
// the time until it is available, so callers schedule rather than block.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst) : qps_(qps), burst_(burst), tokens_(burst) {}
  std::chrono::nanoseconds When(Clock::time_point now);

 private:
  double qps_;
  int burst_;
  double tokens_;
  Clock::time_point last_{};
  bool started_ = false;
};

}  // namespace redispair
