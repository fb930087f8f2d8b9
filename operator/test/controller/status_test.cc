#include "controller/status.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "test_objects.h"

namespace redispair {

using nlohmann::json;
using testing::DefaultPair;

namespace {

PodObservation ReadyPod(const std::string& name, const std::string& node, const std::string& ip) {
  PodObservation p;
  p.exists = true;
  p.name = name;
  p.node = node;
  p.host_ip = ip;
  p.pod_ip = "10.0.0.1";
  p.phase = "Running";
  p.ready = true;
  return p;
}

Observation Healthy() {
  Observation o;
  o.master = ReadyPod("redis-master-0", "node-a", "192.168.49.2");
  o.replica = ReadyPod("redis-replica-x", "node-b", "192.168.49.3");
  o.master_node_port = 32400;
  o.replica_node_port = 32401;
  ReplicationInfo m;
  m.role = "master";
  m.connected_slaves = 1;
  m.master_repl_offset = 5000;
  m.slave0_offset = 4990;
  ReplicationInfo r;
  r.role = "slave";
  r.master_link_status = "up";
  o.replication.master = m;
  o.replication.replica = r;
  return o;
}

json Cond(const json& status, const std::string& type) {
  const json* c = FindCondition(status, type);
  return c != nullptr ? *c : json();
}

}  // namespace

TEST_CASE("AllHealthyMeansReady") {
  const json s = ComputeStatus(DefaultPair(), Healthy());
  CHECK(s["observedGeneration"] == 3);
  for (const char* t : {kCondReady, kCondMasterReady, kCondReplicaReady, kCondReplicationHealthy}) {
    INFO(t);
    CHECK(Cond(s, t)["status"] == "True");
    CHECK_FALSE(Cond(s, t)["reason"].get<std::string>().empty());
    CHECK_FALSE(Cond(s, t)["message"].get<std::string>().empty());
  }
  CHECK(s["master"]["node"] == "node-a");
  CHECK(s["replica"]["node"] == "node-b");
  CHECK(s["endpoints"]["master"] == "192.168.49.2:32400");
  CHECK(s["endpoints"]["replica"] == "192.168.49.3:32401");
  CHECK(s["replication"]["linkStatus"] == "up");
  CHECK(s["replication"]["connectedReplicas"] == 1);
  CHECK(s["replication"]["lag"] == "InSync");
  CHECK_FALSE(s["replication"].contains("lagBytes"));
}

TEST_CASE("LagIsReportedAsABucketNotInBytes") {
  Observation o = Healthy();
  const json quiet = ComputeStatus(DefaultPair(), o);
  // Any lag within the bucket gives the same status, so a probe under write load writes nothing.
  o.replication.master->slave0_offset = o.replication.master->master_repl_offset - 3'000'000;
  CHECK(ComputeStatus(DefaultPair(), o) == quiet);
  o.replication.master->slave0_offset = o.replication.master->master_repl_offset - (10 << 20);
  CHECK(ComputeStatus(DefaultPair(), o)["replication"]["lag"] == "Behind");
  o.replication.master->slave0_offset = o.replication.master->master_repl_offset - (100 << 20);
  CHECK(ComputeStatus(DefaultPair(), o)["replication"]["lag"] == "FarBehind");
}

TEST_CASE("ConflictsAreReportedBeforeWhatTheyCause") {
  Observation o = Healthy();
  o.node_port_conflict = "NodePort 32401 of Service redis/redis-replica is already used by ...";
  CHECK(Cond(ComputeStatus(DefaultPair(), o), kCondReady)["reason"] == "NodePortConflict");
  o.child_conflict = "Service redis/redis-master already exists and is not this RedisPair's";
  const json s = ComputeStatus(DefaultPair(), o);
  CHECK(Cond(s, kCondReady)["reason"] == "ChildConflict");
  CHECK(Cond(s, kCondReady)["message"] == o.child_conflict);
  o.auth_error = "Secret redis/mine does not carry the label";
  o.auth_reason = "AuthSecretNotOptedIn";
  CHECK(Cond(ComputeStatus(DefaultPair(), o), kCondReady)["reason"] == "AuthSecretNotOptedIn");
}

TEST_CASE("MissingMasterPodExplainsItself") {
  Observation o = Healthy();
  o.master = PodObservation{};
  o.replication = {};
  const json s = ComputeStatus(DefaultPair(), o);
  CHECK(Cond(s, kCondMasterReady)["status"] == "False");
  CHECK(Cond(s, kCondMasterReady)["reason"] == "PodMissing");
  CHECK(Cond(s, kCondReady)["status"] == "False");
  CHECK(Cond(s, kCondReady)["reason"] == "PodMissing");
  CHECK(Cond(s, kCondReplicationHealthy)["status"] == "Unknown");
  CHECK_FALSE(s.contains("master"));  // no empty objects: apply could turn {} into null
  CHECK_FALSE(s["endpoints"].contains("master"));
}

TEST_CASE("UnschedulableReplicaCarriesTheSchedulerMessage") {
  Observation o = Healthy();
  o.replica.ready = false;
  o.replica.phase = "Pending";
  o.replica.node = "";
  o.replica.waiting_reason = "Unschedulable";
  o.replica.waiting_message = "0/2 nodes are available: 1 node(s) didn't match pod anti-affinity";
  const json s = ComputeStatus(DefaultPair(), o);
  const json c = Cond(s, kCondReplicaReady);
  CHECK(c["reason"] == "Unschedulable");
  CHECK(c["message"].get<std::string>().find("anti-affinity") != std::string::npos);
  CHECK(Cond(s, kCondReady)["reason"] == "Unschedulable");
}

TEST_CASE("LinkDownIsNotReady") {
  Observation o = Healthy();
  o.replication.replica->master_link_status = "down";
  const json s = ComputeStatus(DefaultPair(), o);
  CHECK(Cond(s, kCondReplicationHealthy)["status"] == "False");
  CHECK(Cond(s, kCondReplicationHealthy)["reason"] == "LinkDown");
  CHECK(s["replication"]["linkStatus"] == "down");
}

TEST_CASE("ProbeErrorsAreUnknownNotFalse") {
  Observation o = Healthy();
  o.replication.master.reset();
  o.replication.master_error = "master: connect 10.0.0.1:6379: Connection refused";
  const json c = Cond(ComputeStatus(DefaultPair(), o), kCondReplicationHealthy);
  CHECK(c["status"] == "Unknown");
  CHECK(c["reason"] == "MasterUnreachable");
}

TEST_CASE("MissingAuthSecretBlocksReady") {
  Observation o = Healthy();
  o.auth_error = "Secret redis/mine not found";
  const json c = Cond(ComputeStatus(DefaultPair(), o), kCondReady);
  CHECK(c["status"] == "False");
  CHECK(c["reason"] == "AuthSecretMissing");
}

TEST_CASE("InvalidSpecStatusSaysWhy") {
  const json s = InvalidSpecStatus(7, "spec.master.nodePort must be an integer");
  CHECK(s["observedGeneration"] == 7);
  CHECK(Cond(s, kCondReady)["reason"] == "InvalidSpec");
}

TEST_CASE("TransitionTimeIsKeptWhileAConditionHolds") {
  json previous = ComputeStatus(DefaultPair(), Healthy());
  StampTransitionTimes(json::object(), "2026-01-01T00:00:00Z", &previous);
  json next = ComputeStatus(DefaultPair(), Healthy());
  StampTransitionTimes(previous, "2026-01-02T00:00:00Z", &next);
  CHECK(next == previous);  // unchanged status => identical object => no write

  Observation o = Healthy();
  o.replication.replica->master_link_status = "down";
  json changed = ComputeStatus(DefaultPair(), o);
  StampTransitionTimes(previous, "2026-01-03T00:00:00Z", &changed);
  CHECK(Cond(changed, kCondReplicationHealthy)["lastTransitionTime"] == "2026-01-03T00:00:00Z");
  CHECK(Cond(changed, kCondMasterReady)["lastTransitionTime"] == "2026-01-01T00:00:00Z");
}

}  // namespace redispair

namespace redispair {

TEST_CASE("RefusedApplyIsReportedAsApplyFailed") {
  Observation o = Healthy();
  o.apply_error = "apply StatefulSet redis-master: spec: Forbidden: updates to statefulset spec";
  const json c = Cond(ComputeStatus(DefaultPair(), o), kCondReady);
  CHECK(c["status"] == "False");
  CHECK(c["reason"] == "ApplyFailed");
  CHECK(c["message"].get<std::string>().find("Forbidden") != std::string::npos);
}

TEST_CASE("ConditionsAreFoundByTypeWhateverTheirOrder") {
  json s = ComputeStatus(DefaultPair(), Healthy());
  std::reverse(s["conditions"].begin(), s["conditions"].end());
  REQUIRE(FindCondition(s, kCondReady) != nullptr);
  CHECK((*FindCondition(s, kCondReady))["type"] == kCondReady);
  CHECK(IsConditionTrue(s, kCondReady));
  CHECK(FindCondition(s, "NoSuchType") == nullptr);
  CHECK_FALSE(IsConditionTrue(s, "NoSuchType"));
  CHECK(FindCondition(json::object(), kCondReady) == nullptr);
  CHECK(FindCondition(json{{"conditions", "garbage"}}, kCondReady) == nullptr);
  s = ComputeStatus(DefaultPair(), Observation{});
  CHECK_FALSE(IsConditionTrue(s, kCondReady));
}

}  // namespace redispair
