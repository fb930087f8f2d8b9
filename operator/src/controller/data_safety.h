// The reconciler's data-safety step, after replication was probed: carries out the next step of a
// refill (refill.h), judges the master's data (data_evidence.h), and applies a changed clients'
// password to both servers at runtime (launcher.h). The decisions are pure functions; this file
// only sends the commands they call for, and says what happened.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "controller/auth_secret.h"
#include "controller/data_evidence.h"
#include "controller/observation.h"
#include "controller/redispair.h"
#include "controller/refill.h"
#include "events/recorder.h"
#include "util/status.h"

namespace redispair {

class ReplicationProber;

struct DataSafetyInputs {
  const Observation* observed = nullptr;  // the pods and what their servers reported
  std::vector<std::string> replica_pod_ips;
  const AuthState* auth = nullptr;
  std::string master_claim_uid;  // empty when the claim is not cached
  std::string now;               // RFC 3339
};

struct DataSafetyResult {
  RefillDecision refill;
  DataJudgement judgement;
  std::vector<events::Event> events;  // to record on the RedisPair
  // The first command that failed; the pass goes on, and the next one tries again.
  Status error;
};

// Event reasons, and the actions they report.
inline constexpr const char* kEventMasterDataLost = "MasterDataLost";
inline constexpr const char* kEventDataRecovered = "DataRecovered";
inline constexpr const char* kEventMasterDataGone = "MasterDataGone";
inline constexpr const char* kEventRefillSourceGone = "RefillSourceGone";
inline constexpr const char* kEventReplicaRepointed = "ReplicaRepointed";
inline constexpr const char* kEventPasswordApplied = "PasswordApplied";
inline constexpr const char* kActionRefill = "Refill";
inline constexpr const char* kActionApplyPassword = "ApplyPassword";
inline constexpr const char* kActionReadSecret = "ReadSecret";

// `prober` may be null (nothing is sent then). Events are returned for transitions only (the
// stored status in `rp` tells what was already said), so a pass that changes nothing records
// none.
DataSafetyResult SecureData(ReplicationProber* prober, const RedisPair& rp,
                            const DataSafetyInputs& in);

// The events for a clients' Secret that cannot be used: one when its error first appears (the
// stored Ready condition does not carry that reason yet), none afterwards.
std::vector<events::Event> AuthEvents(const RedisPair& rp, const AuthState& auth);

}  // namespace redispair
