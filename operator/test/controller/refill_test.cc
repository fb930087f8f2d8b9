#include "controller/refill.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

constexpr const char kReplicaIp[] = "10.0.0.2";

// The master pod as the launcher leaves it: a replica of the replica pod, AOF off.
ReplicationInfo RefillingMaster() {
  ReplicationInfo m;
  m.role = "slave";
  m.master_host = kReplicaIp;
  m.master_link_status = "up";
  m.slave_repl_offset = 500;
  m.keys = 10000;
  return m;
}

// The replica pod after the launcher detached it.
ReplicationInfo DetachedReplica() {
  ReplicationInfo r;
  r.role = "master";
  r.master_repl_offset = 500;
  r.keys = 10000;
  return r;
}

RefillStep Step(const ReplicationInfo& master, const std::optional<ReplicationInfo>& replica,
                std::vector<std::string> ips = {kReplicaIp}) {
  return DecideRefill(master, replica, kReplicaIp, ips).step;
}

TEST_CASE("ANormalPairNeedsNothing", "[refill]") {
  ReplicationInfo master;
  master.role = "master";
  master.keys = 3;
  ReplicationInfo replica;
  replica.role = "slave";
  CHECK(Step(master, replica) == RefillStep::kNone);
  CHECK(DecideRefill(std::nullopt, replica, kReplicaIp, {kReplicaIp}).step == RefillStep::kNone);
  CHECK(Step(master, std::nullopt) == RefillStep::kNone);
}

TEST_CASE("ARefillGoesSyncThenAofThenOffsetThenPromotion", "[refill]") {
  ReplicationInfo m = RefillingMaster();
  m.master_sync_in_progress = true;
  m.master_link_status = "down";
  CHECK(Step(m, DetachedReplica()) == RefillStep::kWaitForSync);
  m = RefillingMaster();
  m.loading = true;
  CHECK(Step(m, DetachedReplica()) == RefillStep::kWaitForSync);

  m = RefillingMaster();
  CHECK(Step(m, DetachedReplica()) == RefillStep::kEnableAof);
  m.aof_enabled = true;
  m.aof_rewrite_in_progress = true;
  CHECK(Step(m, DetachedReplica()) == RefillStep::kWaitForAof);
  m.aof_rewrite_in_progress = false;
  m.aof_rewrite_scheduled = true;
  CHECK(Step(m, DetachedReplica()) == RefillStep::kWaitForAof);
  m.aof_rewrite_scheduled = false;
  m.aof_last_bgrewrite_status = "err";
  CHECK(Step(m, DetachedReplica()) == RefillStep::kRetryAof);
  m.aof_last_bgrewrite_status = "ok";
  ReplicationInfo ahead = DetachedReplica();
  ahead.master_repl_offset = 514;  // a replication PING the master has not read yet
  CHECK(Step(m, ahead) == RefillStep::kWaitForOffset);
  const RefillDecision d = DecideRefill(m, DetachedReplica(), kReplicaIp, {kReplicaIp});
  CHECK(d.step == RefillStep::kPromote);
  CHECK(d.message.find("10000 keys") != std::string::npos);
  for (RefillStep s : {RefillStep::kWaitForSync, RefillStep::kEnableAof, RefillStep::kWaitForAof,
                       RefillStep::kRetryAof, RefillStep::kWaitForOffset}) {
    CHECK(IsRefilling(s));
  }
  CHECK_FALSE(IsRefilling(RefillStep::kPromote));
}

TEST_CASE("ASourceThatCannotBeProbedIsWaitedForNotGivenUp", "[refill]") {
  CHECK(Step(RefillingMaster(), std::nullopt) == RefillStep::kWaitForSync);
  // A second replica pod (a rollout) is the one probed; the source still exists.
  CHECK(DecideRefill(RefillingMaster(), ReplicationInfo{}, "10.0.0.9", {"10.0.0.9", kReplicaIp})
            .step == RefillStep::kWaitForSync);
}

TEST_CASE("ASourceThatIsGoneLeavesTheMasterWithWhatItHas", "[refill]") {
  // The replica pod was replaced: no pod has the source's IP any more.
  CHECK(DecideRefill(RefillingMaster(), ReplicationInfo{}, "10.0.0.7", {"10.0.0.7"}).step ==
        RefillStep::kSourceGone);
  CHECK(DecideRefill(RefillingMaster(), std::nullopt, "", {}).step == RefillStep::kSourceGone);
  // The replica container restarted: it follows the master again and kept nothing.
  ReplicationInfo restarted;
  restarted.role = "slave";
  CHECK(Step(RefillingMaster(), restarted) == RefillStep::kSourceGone);
}

TEST_CASE("TwoMastersAreResolvedTowardsTheOneWithData", "[refill]") {
  ReplicationInfo master;
  master.role = "master";
  // The master restarted on an empty AOF while the replica still holds the data.
  CHECK(Step(master, DetachedReplica()) == RefillStep::kRefillAgain);
  // The master holds the data (the operator stopped between promotion and repointing).
  master.keys = 10000;
  CHECK(Step(master, DetachedReplica()) == RefillStep::kRepoint);
  // Nothing anywhere: point the replica back, no refill.
  ReplicationInfo empty_replica = DetachedReplica();
  empty_replica.keys = 0;
  master.keys = 0;
  CHECK(Step(master, empty_replica) == RefillStep::kRepoint);
}

}  // namespace
}  // namespace redispair
