// When the reconciler looks at a RedisPair again although no watch event came (its step 11):
// replication health changes without any API event, so a pair whose pods can be probed is
// re-probed on a period; a pair waiting for something a user must fix (a child the API server
// refused, a name or NodePort someone else holds, a Secret), which the operator does not watch, is
// looked at soon. A pair with no pod to probe and nothing to fix waits for events: every change of
// its pods, claim, children or spec arrives as one. Its resync is only a safety net, so that at
// 1,000 pairs whose pods are not up yet the operator does not run 200 reconciles a second.
#pragma once

#include <chrono>

namespace redispair {

namespace resync {
// A Ready pair: replication health is re-probed this often.
inline constexpr std::chrono::seconds kHealthy{30};
// A pair that is not Ready but has a pod to probe, or waits for a user's fix.
inline constexpr std::chrono::seconds kUnhealthy{5};
// A pair whose master is being refilled: each step of the refill (refill.h) waits for a pass,
// and the master refuses writes until the last one.
inline constexpr std::chrono::seconds kRefill{1};
// A pair with no pod to probe and nothing to fix: only a safety net for what is not watched (the
// Secrets, read by name), as controller-runtime's SyncPeriod is. As rare as a healthy pair's
// probe, so that a pair costs at most one pass per 30 s whatever its state (at 1,000 pairs, 33
// passes a second instead of 200), and a deleted Secret is made again within 30 s.
inline constexpr std::chrono::seconds kIdle{30};
}  // namespace resync

// What a pass saw that decides its resync.
struct ResyncFacts {
  bool refilling = false;     // the master is being refilled from the replica
  bool ready = false;         // condition Ready is True
  bool pod_to_probe = false;  // the master or the replica pod has an IP
  bool needs_fix = false;     // a refused child, a conflict, an auth Secret to fix
};

// The delay until the next pass when no event comes first.
std::chrono::seconds NextResync(const ResyncFacts& facts);

}  // namespace redispair
