// Applies one desired child of a RedisPair: only when the cache lacks it or it drifted, and only
// over an object that is the pair's own (ownership.h). Also checks, before a Service is applied,
// that none of the operator's other Services holds its NodePort (a Service of anyone else holding
// it is found by the API server's refusal, and then named), and holds back a child the API server
// refused (apply_backoff.h). The reconciler's step 4 calls it for every child.
//
// Thread-safety: Apply() may run concurrently for different RedisPairs.
#pragma once

#include <functional>
#include <string>

#include "controller/apply_backoff.h"
#include "controller/redispair.h"
#include "controller/render.h"
#include "informer/object_cache.h"
#include "util/status.h"

namespace redispair {
namespace kube {
class KubeClient;
}
class Metrics;

struct ApplyOutcome {
  enum class Kind {
    kUnchanged,         // the live object already holds the desired state
    kCreated,           // there was none; now there is
    kUpdated,           // it drifted and was applied
    kConflict,          // an object of that name is not the pair's: left alone
    kNodePortConflict,  // another Service holds the NodePort: not applied
    kRefused,           // the API server refused the apply (now or, held back, before)
  };
  Kind kind = Kind::kUnchanged;
  std::string message;  // for the last three: what is wrong and what to do, for status and Events
};

class ChildApplier {
 public:
  struct Deps {
    kube::KubeClient* client = nullptr;
    // The cache of a resource (only the operator's labelled objects).
    std::function<const ObjectCache&(const kube::Resource&)> cache;
    Metrics* metrics = nullptr;  // nullable
    std::function<ApplyBackoff::Clock::time_point()> now;
  };

  // Every pointer in `deps` must outlive the applier.
  explicit ChildApplier(Deps deps) : deps_(std::move(deps)) {}

  // Applies `child` of `rp` if needed. Errors are only those that must stop the pass (the API
  // server cannot be reached: Unavailable, Cancelled); everything else is an outcome.
  StatusOr<ApplyOutcome> Apply(const RedisPair& rp, const ChildObject& child);

 private:
  // The Service's NodePort conflict with another of the operator's Services (the cache), if any:
  // the status message, else empty.
  std::string CachedNodePortConflict(const RedisPair& rp, const ChildObject& child,
                                     const nlohmann::json* live);
  // The outcome of an apply the API server refused because a NodePort is taken (`refusal`): a
  // NodePort conflict that names the Service holding it when it is in the pair's namespace.
  // Errors only as Apply's.
  StatusOr<ApplyOutcome> PortAllocated(const RedisPair& rp, const ChildObject& child,
                                       const std::string& refusal);

  Deps deps_;
  ApplyBackoff backoff_;
};

// True for errors after which nothing else in the pass can succeed either.
bool StopsThePass(const Status& s);

}  // namespace redispair
