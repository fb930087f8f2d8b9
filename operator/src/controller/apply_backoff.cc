#include "controller/apply_backoff.h"

#include <algorithm>

namespace redispair {

bool ApplyBackoff::MayApply(const std::string& key, size_t fingerprint, Clock::time_point now,
                            std::string* last_error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.fingerprint != fingerprint || now >= it->second.next) {
    return true;
  }
  *last_error = it->second.error;
  return false;
}

void ApplyBackoff::Refused(const std::string& key, size_t fingerprint, const std::string& error,
                           Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = entries_[key];
  if (e.fingerprint != fingerprint) e.failures = 0;
  e.fingerprint = fingerprint;
  e.error = error;
  const int doublings = std::min(e.failures, 16);
  const auto delay = std::min<std::chrono::nanoseconds>(kFirst * (int64_t{1} << doublings), kMax);
  e.next = now + delay;
  ++e.failures;
}

void ApplyBackoff::Succeeded(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
}

}  // namespace redispair
