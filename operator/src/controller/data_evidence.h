// The pair's memory of its data, and the MasterDataLost condition computed from it. Pure.
//
// Nothing in the cluster remembers a volume that is gone, so status.data keeps the evidence that
// tells a new, empty pair from a master whose volume was lost: the UID of the master's claim, and
// the master's replication ID, offset and key count when they were last recorded. This block and
// the MasterDataLost condition are the two parts of the status that are carried over from the
// stored status on purpose; everything else is rebuilt from the observation.
//
// The evidence is written rarely, to keep the status quiet: when the claim changes, when the key
// count goes from zero to non-zero or back, and otherwise at most every kEvidenceRefresh.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/observation.h"
#include "controller/refill.h"
#include "controller/status.h"

namespace redispair {

// The reasons of the MasterDataLost condition (status.h).
inline constexpr const char* kReasonNoDataLoss = "NoDataLoss";  // False
inline constexpr const char* kReasonRefilling = "Refilling";    // True, while it is handled
inline constexpr const char* kReasonRecovered = "Recovered";    // False, after a refill
inline constexpr const char* kReasonDataGone = "DataGone";      // True: nothing held the data

// How often the offset and key count are refreshed when nothing else changed.
inline constexpr std::chrono::minutes kEvidenceRefresh{5};

struct DataEvidence {
  std::string claim_uid;  // the master's PersistentVolumeClaim
  std::string replication_id;
  int64_t offset = 0;
  int64_t keys = 0;
  std::string recorded_at;  // RFC 3339

  bool operator==(const DataEvidence&) const = default;
};

// status.data, when the stored status has one.
std::optional<DataEvidence> EvidenceFromStatus(const nlohmann::json& status);
nlohmann::json EvidenceToJson(const DataEvidence& evidence);

struct DataCondition {
  std::string status;  // "True" / "False"
  std::string reason;
  std::string message;
};

struct DataJudgement {
  // The MasterDataLost condition; nullopt when too little is known (keep the stored one).
  std::optional<DataCondition> condition;
  // What status.data should hold; nullopt when it stays as stored.
  std::optional<DataEvidence> evidence;
};

// Judges the master's data from the stored evidence and condition (nullptr when absent), the
// claim's current UID (empty when the claim is not cached), what the master reported (nullopt
// when it could not be probed), the refill step (refill.h), and `now` (RFC 3339).
DataJudgement JudgeData(const std::optional<DataEvidence>& stored,
                        const nlohmann::json* stored_condition, const std::string& claim_uid,
                        const std::optional<ReplicationInfo>& master, const RefillDecision& refill,
                        const std::string& now);

}  // namespace redispair
