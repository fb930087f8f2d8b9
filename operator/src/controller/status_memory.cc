#include "controller/status_memory.h"

namespace redispair {

nlohmann::json StatusMemory::Previous(const std::string& key, const std::string& cached_version,
                                      const nlohmann::json& cached) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = written_.find(key);
  if (it != written_.end() && it->second.based_on == cached_version) return it->second.status;
  return cached;
}

void StatusMemory::Wrote(const std::string& key, const std::string& cached_version,
                         const nlohmann::json& status) {
  std::lock_guard<std::mutex> lock(mu_);
  written_[key] = {cached_version, status};
}

bool StatusMemory::ReplicationWasHealthy(const std::string& key, bool healthy_now) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool before = replicated_.count(key) > 0;
  if (healthy_now) replicated_.insert(key);
  return before;
}

void StatusMemory::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  written_.erase(key);
  replicated_.erase(key);
}

}  // namespace redispair
