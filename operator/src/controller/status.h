// The RedisPair status, rebuilt from an Observation on every pass (never read back as input,
// except for each condition's lastTransitionTime, which must survive passes where it holds).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "controller/observation.h"
#include "controller/redispair.h"

namespace redispair {

// Condition types; `kubectl wait --for=condition=Ready redispair/redis` waits on kCondReady.
inline constexpr const char* kCondReady = "Ready";
inline constexpr const char* kCondMasterReady = "MasterReady";
inline constexpr const char* kCondReplicaReady = "ReplicaReady";
inline constexpr const char* kCondReplicationHealthy = "ReplicationHealthy";
// The fifth, MasterDataLost, is data_evidence.h's.
inline constexpr const char* kCondMasterDataLost = "MasterDataLost";

// Builds status (observedGeneration, conditions, master, replica, endpoints, replication) from
// the observation. Conditions carry reason and message but no lastTransitionTime yet. Pure.
nlohmann::json ComputeStatus(const RedisPair& rp, const Observation& observed);

// A status for an object whose spec cannot be rendered: Ready=False, reason InvalidSpec.
nlohmann::json InvalidSpecStatus(int64_t generation, const std::string& message);

// The condition of type `type` in `status`, or null when there is none. Conditions are found by
// type, never by position. Pure.
const nlohmann::json* FindCondition(const nlohmann::json& status, std::string_view type);

// True when `status` has a condition of type `type` whose status is "True". Pure.
bool IsConditionTrue(const nlohmann::json& status, std::string_view type);

// Sets each condition's lastTransitionTime: kept from `previous` when the condition's status did
// not change, else `now` (RFC 3339). Pure.
void StampTransitionTimes(const nlohmann::json& previous, const std::string& now,
                          nlohmann::json* status);

}  // namespace redispair
