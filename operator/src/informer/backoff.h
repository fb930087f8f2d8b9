// Jittered exponential backoff for list/watch retries, as client-go's reflector uses: 0.8 s
// doubling to 30 s, each wait stretched by a random factor in [1, 2) so that many clients
// reconnecting to a restarted API server do not arrive in lockstep. Not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace redispair {

class JitteredBackoff {
 public:
  JitteredBackoff(std::chrono::milliseconds initial = std::chrono::milliseconds(800),
                  std::chrono::milliseconds max = std::chrono::seconds(30), double jitter = 1.0)
      : initial_(initial),
        max_(max),
        jitter_(jitter),
        next_(initial),
        rng_(std::random_device{}()) {}

  // The next wait; each call doubles the base up to max.
  std::chrono::milliseconds Next() {
    const auto base = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_real_distribution<double> dist(0.0, jitter_);
    return std::chrono::milliseconds(static_cast<int64_t>(base.count() * (1.0 + dist(rng_))));
  }
  void Reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  double jitter_;
  std::chrono::milliseconds next_;
  std::mt19937 rng_;
};

}  // namespace redispair
