#include "controller/generation_filter.h"

#include "util/json_fields.h"

namespace redispair {

bool GenerationFilter::Admit(const StoreChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  if (change.type == EventType::kDeleted) {
    generations_.erase(change.key);
    return true;
  }
  const nlohmann::json& value = Field(Field(*change.object, "metadata"), "generation");
  const int64_t generation = value.is_number_integer() ? value.get<int64_t>() : -1;
  auto [it, added] = generations_.try_emplace(change.key, generation);
  if (added || change.type == EventType::kAdded) {
    it->second = generation;
    return true;
  }
  if (it->second == generation) return false;
  it->second = generation;
  return true;
}

}  // namespace redispair
