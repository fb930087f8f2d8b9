#include "controller/resync.h"

namespace redispair {

std::chrono::seconds NextResync(const ResyncFacts& facts) {
  if (facts.refilling) return resync::kRefill;
  if (facts.ready) return resync::kHealthy;
  if (facts.pod_to_probe || facts.needs_fix) return resync::kUnhealthy;
  return resync::kIdle;
}

}  // namespace redispair
