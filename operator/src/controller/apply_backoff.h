// When to try again a child whose apply the API server refused (an admission webhook or policy,
// a quota, an immutable field): per child, kFirst doubling to kMax, and at once when the desired
// object changes (a spec edit may be the fix). A success forgets the child.
//
// This backoff is the reconciler's, apart from the work queue's: a refused child is reported in
// status and retried on its own schedule, while its RedisPair keeps its periodic health resync.
// (Retrying through the work queue's per-key backoff, up to 1000 s, also delayed every
// replication probe of the pair by as much.)
//
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace redispair {

class ApplyBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kFirst{5};
  static constexpr std::chrono::minutes kMax{5};

  // True when child `key` ("statefulsets redis/redis-master") may be applied at `now` with the
  // desired content `fingerprint`. When not, *last_error is the refusal to report again.
  bool MayApply(const std::string& key, size_t fingerprint, Clock::time_point now,
                std::string* last_error);
  // Records that the API server refused the apply of `key` with `fingerprint`.
  void Refused(const std::string& key, size_t fingerprint, const std::string& error,
               Clock::time_point now);
  // Forgets `key` after a successful apply.
  void Succeeded(const std::string& key);

 private:
  struct Entry {
    size_t fingerprint = 0;
    int failures = 0;
    Clock::time_point next{};
    std::string error;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace redispair
