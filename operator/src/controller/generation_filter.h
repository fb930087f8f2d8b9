// Which RedisPair changes need a reconcile, as controller-runtime's GenerationChangedPredicate
// decides: an update that leaves metadata.generation alone changed only status or metadata,
// above all the operator's own status writes. Reconciling on those would read back what was just
// written and, with a probe on every pass, write again: a loop. Additions and deletions always
// pass; the periodic health resync is the work queue's and does not go through here.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "informer/store.h"

namespace redispair {

class GenerationFilter {
 public:
  // True when `change` needs a reconcile: an addition, a deletion, or a modification whose
  // metadata.generation differs from the last one this filter saw for the key.
  bool Admit(const StoreChange& change);

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> generations_;  // guarded by mu_
};

}  // namespace redispair
