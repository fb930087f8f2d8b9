// The Events a change of a RedisPair's status calls for, computed from the status before and
// after a pass, so that they follow transitions and not passes:
//
//   Ready                 Normal   Ready turned True
//   NotReady              Warning  Ready turned from True to False or Unknown, with its reason
//   ReplicationBroken     Warning  ReplicationHealthy turned from True to anything else
//   ReplicationRestored   Normal   ReplicationHealthy turned True again after it had been True
//                                  (a new pair's first sync is not a restoration)
//
// The other Events (Created, ChildConflict, NodePortConflict, ApplyRefused,
// PlacementDeadlockBroken) are recorded where the reconciler acts.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "events/recorder.h"

namespace redispair {

// Reasons of the reconciler's Events.
inline constexpr const char* kEventCreated = "Created";
inline constexpr const char* kEventReady = "Ready";
inline constexpr const char* kEventNotReady = "NotReady";
inline constexpr const char* kEventReplicationBroken = "ReplicationBroken";
inline constexpr const char* kEventReplicationRestored = "ReplicationRestored";
inline constexpr const char* kEventChildConflict = "ChildConflict";
inline constexpr const char* kEventNodePortConflict = "NodePortConflict";
inline constexpr const char* kEventApplyRefused = "ApplyRefused";
inline constexpr const char* kEventPlacementDeadlockBroken = "PlacementDeadlockBroken";

// The transition Events between `before` (the status as last stored; empty for a new pair) and
// `after`. `replication_was_healthy`: replication of this pair has been healthy before (in this
// process, or as `before` shows). Pure.
std::vector<events::Event> StatusTransitionEvents(const nlohmann::json& before,
                                                  const nlohmann::json& after,
                                                  bool replication_was_healthy);

}  // namespace redispair
