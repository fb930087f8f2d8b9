// Events follow status transitions, not passes.
#include "controller/status_events.h"

#include <catch2/catch.hpp>

#include "controller/status.h"

namespace redispair {
namespace {

using nlohmann::json;

json Status(const std::string& ready, const std::string& replication,
            const std::string& reason = "LinkDown") {
  return {{"conditions", json::array({{{"type", "Ready"},
                                       {"status", ready},
                                       {"reason", ready == "True" ? "Ready" : reason},
                                       {"message", "ready message"}},
                                      {{"type", "ReplicationHealthy"},
                                       {"status", replication},
                                       {"reason", replication == "True" ? "LinkUp" : reason},
                                       {"message", "replication message"}}})}};
}

std::vector<std::string> Reasons(const std::vector<events::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.reason);
  return out;
}

TEST_CASE("ANewPairThatBecomesReadyGetsOneReadyEventAndNoRestoration", "[events]") {
  const auto events = StatusTransitionEvents(json::object(), Status("True", "True"), false);
  CHECK(Reasons(events) == std::vector<std::string>{"Ready"});
  CHECK(events[0].type == events::Type::kNormal);
  CHECK(events[0].note == "ready message");
}

TEST_CASE("NoTransitionNoEvent", "[events]") {
  CHECK(StatusTransitionEvents(Status("True", "True"), Status("True", "True"), true).empty());
  CHECK(StatusTransitionEvents(Status("False", "False"), Status("False", "False"), true).empty());
}

TEST_CASE("LosingReadyAndReplicationAreWarningsWithTheReason", "[events]") {
  const auto events = StatusTransitionEvents(
      Status("True", "True"), Status("False", "Unknown", "ReplicaUnreachable"), true);
  REQUIRE(Reasons(events) == std::vector<std::string>{"NotReady", "ReplicationBroken"});
  CHECK(events[0].type == events::Type::kWarning);
  CHECK(events[0].note == "ReplicaUnreachable: ready message");
  CHECK(events[1].note == "ReplicaUnreachable: replication message");
}

TEST_CASE("ReplicationIsRestoredOnlyAfterItHadBeenHealthy", "[events]") {
  CHECK(Reasons(StatusTransitionEvents(Status("False", "False"), Status("True", "True"), true)) ==
        std::vector<std::string>{"Ready", "ReplicationRestored"});
  CHECK(Reasons(StatusTransitionEvents(Status("False", "False"), Status("True", "True"), false)) ==
        std::vector<std::string>{"Ready"});
}

}  // namespace
}  // namespace redispair
