// The operator's half of the empty-master guard (launcher.h): from what the two servers report,
// the next step of a refill of the master from its replica. Pure; the reconciler carries the step
// out (data_safety.h).
//
// The launcher starts a master whose volume is new as a replica of the replica that holds the
// data, with its AOF off, after detaching that replica. The operator then:
//   1. waits until the data is loaded (link up, no sync in progress);
//   2. turns the AOF on (CONFIG SET appendonly yes): the master is still a read-only replica,
//      so no client write can be lost before its AOF holds the data; a pod that dies before
//      the rewrite finished leaves no manifest, and the launcher's guard runs again;
//   3. waits for the rewrite, and for the master to have every byte the replica sent;
//   4. promotes the master (REPLICAOF NO ONE) and points the replica at the master's DNS name
//      again. The replica's replication ID is now the master's previous one (replid2), so it
//      continues with a partial resync: no second full sync, and nothing flushed.
// Two recovery paths cover an operator or a pod that stopped half-way (see RefillStep).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/observation.h"

namespace redispair {

enum class RefillStep {
  kNone,           // nothing to do: the roles are normal, or too little is known to act
  kWaitForSync,    // the master, a replica of the replica, is still receiving the data
  kEnableAof,      // the data is in: CONFIG SET appendonly yes on the master
  kWaitForAof,     // the AOF rewrite is running
  kRetryAof,       // the AOF rewrite failed: BGREWRITEAOF on the master
  kWaitForOffset,  // the master lacks the last bytes the replica sent
  kPromote,        // REPLICAOF NO ONE on the master, REPLICAOF <master DNS> on the replica
  // The master follows a replica that is gone (the pod was replaced, or restarted and follows
  // the master again: a replica keeps nothing on disk). Nobody else holds the data: promote the
  // master with what it has, AOF on.
  kSourceGone,
  // Both are masters, ours empty and the replica holding data (the master restarted after its
  // AOF was turned on but empty, or someone detached the replica): REPLICAOF <replica> on the
  // master, which refills it again.
  kRefillAgain,
  // Both are masters and ours holds data (the operator stopped between the two commands of
  // kPromote): REPLICAOF <master DNS> on the replica.
  kRepoint,
};

struct RefillDecision {
  RefillStep step = RefillStep::kNone;
  std::string message;  // for status and logs: where the refill stands
};

// Whether `step` means a refill is under way (the master does not hold the data yet).
bool IsRefilling(RefillStep step);

// `master` and `replica`: what each server reported, nullopt when it could not be probed.
// `replica_ip`: the IP of the replica pod that was probed. `replica_pod_ips`: the IPs of every
// replica pod the API server shows (a rollout may briefly have two).
RefillDecision DecideRefill(const std::optional<ReplicationInfo>& master,
                            const std::optional<ReplicationInfo>& replica,
                            const std::string& replica_ip,
                            const std::vector<std::string>& replica_pod_ips);

}  // namespace redispair
