// What the reconciler remembers between passes about the statuses it wrote, so that a cache that
// has not yet seen the last write neither causes the same write again nor the same transition
// Event twice. Reading the stored status as the "previous" one is otherwise the rule: status is
// rebuilt from observation on every pass and compared with what is stored.
//
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace redispair {

class StatusMemory {
 public:
  // The status a pass compares against: the one this process last wrote for `key` while the
  // cache still holds `cached_version`, the object's resourceVersion that write was based on;
  // else `cached`, the status the cache holds.
  nlohmann::json Previous(const std::string& key, const std::string& cached_version,
                          const nlohmann::json& cached) const;
  // Records a successful write of `status` for `key`, made when the cache held `cached_version`.
  void Wrote(const std::string& key, const std::string& cached_version,
             const nlohmann::json& status);
  // Whether replication of `key` has been healthy before in this process; records it when
  // `healthy_now`.
  bool ReplicationWasHealthy(const std::string& key, bool healthy_now);
  // Forgets `key` (its RedisPair is gone).
  void Forget(const std::string& key);

 private:
  struct Written {
    std::string based_on;
    nlohmann::json status;
  };
  mutable std::mutex mu_;
  std::map<std::string, Written> written_;  // guarded by mu_
  std::set<std::string> replicated_;        // guarded by mu_
};

}  // namespace redispair
