// The data-safety step against a fake prober: which commands each refill step and a password
// change send, to which server, and what is said about it. The real servers are test/redis's and
// test/e2e's.
#include "controller/data_safety.h"

#include <catch2/catch.hpp>

#include "controller/replication_probe.h"
#include "test_objects.h"
#include "util/password.h"

namespace redispair {
namespace {

using nlohmann::json;
using testing::DefaultPair;

constexpr const char kMasterIp[] = "10.0.0.1";
constexpr const char kReplicaIp[] = "10.0.0.2";

class RecordingProber : public ReplicationProber {
 public:
  StatusOr<ReplicationInfo> Probe(const std::string&, int, const std::string&) override {
    return Status::Internal("not used");
  }
  StatusOr<std::string> Command(const std::string& host, int, const std::string& password,
                                const std::vector<std::string>& argv) override {
    CHECK(password == "op-pw");
    std::string line = host + ":";
    for (const std::string& a : argv) line += " " + a;
    sent.push_back(line);
    if (fail_host == host) return Status::Unavailable("connect " + host + ": refused");
    return std::string("OK");
  }
  std::vector<std::string> sent;
  std::string fail_host;
};

struct Setup {
  Setup() {
    auth.password = "client-pw";
    auth.operator_password = "op-pw";
    observed.master.pod_ip = kMasterIp;
    observed.replica.pod_ip = kReplicaIp;
    in.observed = &observed;
    in.auth = &auth;
    in.replica_pod_ips = {kReplicaIp};
    in.master_claim_uid = "claim-b";
    in.now = "2026-01-01T00:00:00Z";
  }
  DataSafetyResult Run() { return SecureData(&prober, rp, in); }

  RedisPair rp = DefaultPair();
  AuthState auth;
  Observation observed;
  DataSafetyInputs in;
  RecordingProber prober;
};

ReplicationInfo RefilledMaster() {
  ReplicationInfo m;
  m.role = "slave";
  m.master_host = kReplicaIp;
  m.master_link_status = "up";
  m.slave_repl_offset = 500;
  m.aof_enabled = true;
  m.aof_last_bgrewrite_status = "ok";
  m.keys = 10000;
  return m;
}

ReplicationInfo DetachedReplica() {
  ReplicationInfo r;
  r.role = "master";
  r.master_repl_offset = 500;
  r.keys = 10000;
  return r;
}

TEST_CASE("PromotionSendsTwoCommandsInOrderAndSaysTheDataIsBack", "[data-safety]") {
  Setup s;
  s.observed.replication.master = RefilledMaster();
  s.observed.replication.replica = DetachedReplica();
  const DataSafetyResult r = s.Run();
  CHECK(r.refill.step == RefillStep::kPromote);
  CHECK(s.prober.sent ==
        std::vector<std::string>{"10.0.0.1: REPLICAOF NO ONE",
                                 "10.0.0.2: REPLICAOF redis-master-repl.redis.svc 6379"});
  REQUIRE_FALSE(r.events.empty());
  CHECK(r.events[0].reason == kEventDataRecovered);
  CHECK(r.events[0].type == events::Type::kNormal);
  CHECK(r.events[0].action == kActionRefill);
  CHECK(r.error.ok());
}

TEST_CASE("AFailedPromotionIsNotAnnouncedAndIsRetriedNextPass", "[data-safety]") {
  Setup s;
  s.observed.replication.master = RefilledMaster();
  s.observed.replication.replica = DetachedReplica();
  s.prober.fail_host = kMasterIp;
  const DataSafetyResult r = s.Run();
  CHECK(s.prober.sent.size() == 1);  // the replica is not repointed at a master that is not one
  for (const events::Event& e : r.events) CHECK(e.reason != kEventDataRecovered);
  CHECK(r.error.code() == Status::Code::kUnavailable);
  CHECK(r.error.message().find("master: ") == 0);
}

TEST_CASE("TheFirstPassOfARefillWarnsOnceAndTurnsTheAofOn", "[data-safety]") {
  Setup s;
  ReplicationInfo m = RefilledMaster();
  m.aof_enabled = false;
  s.observed.replication.master = m;
  s.observed.replication.replica = DetachedReplica();
  DataSafetyResult r = s.Run();
  CHECK(s.prober.sent == std::vector<std::string>{"10.0.0.1: CONFIG SET appendonly yes"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].type == events::Type::kWarning);
  CHECK(r.events[0].reason == kEventMasterDataLost);
  CHECK(r.judgement.condition->reason == kReasonRefilling);
  // Once status says so, the next pass does not warn again.
  s.rp.status = {{"conditions", json::array({{{"type", kCondMasterDataLost},
                                              {"status", "True"},
                                              {"reason", kReasonRefilling}}})}};
  CHECK(s.Run().events.empty());
}

TEST_CASE("AChangedClientPasswordIsAppliedToBothServersAsDigests", "[data-safety]") {
  Setup s;
  ReplicationInfo master, replica;
  master.role = "master";
  replica.role = "slave";
  const std::string old_client = Sha256Hex("old-pw");
  const std::string client = Sha256Hex("client-pw");
  const std::string own = Sha256Hex("op-pw");
  master.password_hashes = std::vector<std::string>{old_client, own};
  replica.password_hashes = std::vector<std::string>{own, client};  // already done, any order
  s.observed.replication.master = master;
  s.observed.replication.replica = replica;
  const DataSafetyResult r = s.Run();
  REQUIRE(s.prober.sent.size() == 1);
  CHECK(s.prober.sent[0] == "10.0.0.1: ACL SETUSER default resetpass #" + client + " #" + own);
  CHECK(s.prober.sent[0].find("client-pw") == std::string::npos);
  bool announced = false;
  for (const events::Event& e : r.events) announced |= e.reason == kEventPasswordApplied;
  CHECK(announced);

  // A Secret that cannot be used changes nothing on the servers.
  Setup missing;
  missing.auth.password.clear();
  missing.auth.error = "Secret redis/mine not found";
  missing.observed.replication.master = master;
  missing.Run();
  CHECK(missing.prober.sent.empty());
}

TEST_CASE("AnUnusableSecretIsAnnouncedOnceThenLeftToTheStatus", "[data-safety]") {
  RedisPair rp = DefaultPair();
  AuthState auth;
  auth.error = "Secret redis/mine (spec.auth.secretName) not found";
  auth.error_reason = kReasonAuthSecretMissing;
  std::vector<events::Event> first = AuthEvents(rp, auth);
  REQUIRE(first.size() == 1);
  CHECK(first[0].type == events::Type::kWarning);
  CHECK(first[0].reason == kReasonAuthSecretMissing);
  CHECK(first[0].note.find("not found") != std::string::npos);
  rp.status = {{"conditions", json::array({{{"type", "Ready"},
                                            {"status", "False"},
                                            {"reason", kReasonAuthSecretMissing}}})}};
  CHECK(AuthEvents(rp, auth).empty());
  CHECK(AuthEvents(rp, AuthState{}).empty());
}

}  // namespace
}  // namespace redispair
