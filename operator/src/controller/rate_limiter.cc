#include "controller/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace redispair {

std::chrono::nanoseconds ItemExponentialBackoff::When(const std::string& key) {
  const int exp = failures_[key]++;
  // 2^exp overflows long before the cap matters; clamp the exponent first.
  const double factor = std::ldexp(1.0, std::min(exp, 62));
  const double delay = static_cast<double>(base_.count()) * factor;
  if (delay >= static_cast<double>(max_.count())) return max_;
  return std::chrono::nanoseconds(static_cast<int64_t>(delay));
}

int ItemExponentialBackoff::Failures(const std::string& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::chrono::nanoseconds TokenBucket::When(Clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
  }
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1.0;  // reserve, possibly going negative: the debt is the wait
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

}  // namespace redispair
