// The reconciler against a fake KubeClient and Stores as its caches: which calls one pass makes,
// and what it returns. The real API server is the integration tests' (test/integration).
#include "controller/reconciler.h"

#include <catch2/catch.hpp>

#include "controller/names.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "controller/volume_node.h"
#include "fake_kube_client.h"
#include "informer/store.h"

namespace redispair {
namespace {

using nlohmann::json;
using testing::FakeKubeClient;
using namespace std::chrono_literals;

constexpr const char kKey[] = "redis/redis";
constexpr const char kNow[] = "2026-01-01T00:00:00Z";

json Pair(json spec = json::object()) {
  return json{{"apiVersion", kApiVersion},
              {"kind", kKind},
              {"metadata",
               {{"name", "redis"}, {"namespace", "redis"}, {"uid", "uid-1"}, {"generation", 1}}},
              {"spec", std::move(spec)}};
}

json Pod(const std::string& name, const std::string& component, const std::string& node,
         json status) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"namespace", "redis"},
        {"labels", {{names::kLabelInstance, "redis"}, {names::kLabelComponent, component}}}}},
      {"spec", node.empty() ? json::object() : json{{"nodeName", node}}},
      {"status", std::move(status)}};
}

// A reconciler whose caches are Stores the test fills, and whose client is a fake.
class Fixture {
 public:
  explicit Fixture(ReplicationProber* prober = nullptr) {
    ReconcilerDeps deps;
    deps.client = &client;
    deps.prober = prober;
    deps.now_rfc3339 = [] { return std::string(kNow); };
    for (const kube::Resource& r :
         {kRedisPairs, kube::kSecrets, kube::kPods, kube::kPersistentVolumeClaims, kube::kServices,
          kube::kStatefulSets, kube::kDeployments, kube::kCronJobs}) {
      deps.caches[r] = &caches[r];
    }
    reconciler = std::make_unique<Reconciler>(std::move(deps));
  }

  // The RedisPair, stored and cached.
  void AddPair(const json& pair) {
    client.objects[kRedisPairs][kKey] = pair;
    Cache(kRedisPairs, {pair});
  }
  void Cache(const kube::Resource& resource, std::vector<json> objects) {
    caches[resource].Replace(objects);
  }
  // Copies what the fake stored into the caches, as the informers would after their events.
  void SyncCachesFromClient() {
    for (auto& [resource, store] : caches) {
      std::vector<json> items;
      for (const auto& [key, object] : client.objects[resource]) items.push_back(object);
      if (!items.empty()) store.Replace(items);
    }
  }
  ReconcileResult Reconcile() { return reconciler->Reconcile(kKey); }
  // The status the last write set.
  json WrittenStatus() const {
    const std::vector<FakeKubeClient::Call> writes = client.CallsOf("apply status");
    REQUIRE_FALSE(writes.empty());
    return writes.back().body["status"];
  }

  FakeKubeClient client;
  std::map<kube::Resource, Store> caches;
  std::unique_ptr<Reconciler> reconciler;
};

std::string ReadyReason(const json& status) {
  const json* ready = FindCondition(status, kCondReady);
  REQUIRE(ready != nullptr);
  return (*ready)["reason"];
}

TEST_CASE("AGoneRedisPairNeedsNoCall", "[reconciler]") {
  Fixture f;
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == 0ms);
  CHECK(f.client.calls.empty());
}

TEST_CASE("ANewPairGetsItsSecretChildrenAndStatusInDependencyOrder", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kUnhealthyResync);  // no pods yet
  std::vector<std::string> writes;
  for (const auto& c : f.client.calls) writes.push_back(c.verb + " " + c.key);
  CHECK(writes ==
        std::vector<std::string>{"create redis/redis-operator-auth", "create redis/redis-auth",
                                 "apply redis/redis-master-headless", "apply redis/redis-master",
                                 "apply redis/redis-replica", "apply redis/redis-replica-headless",
                                 "apply redis/redis-master", "apply redis/redis-replica",
                                 "apply status redis/redis"});
  CHECK(f.client.calls[6].resource == kube::kStatefulSets);
  CHECK(ReadyReason(f.WrittenStatus()) == "PodMissing");
}

TEST_CASE("ASteadyStateMakesNoWrites", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  REQUIRE(f.Reconcile().error.ok());
  f.SyncCachesFromClient();
  f.client.calls.clear();

  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kUnhealthyResync);
  CHECK(f.client.Writes() == 0);
}

TEST_CASE("ARefusedChildIsReportedAndRetriedWhileTheOthersApply", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  f.client.fail["apply statefulsets"] =
      Status::InvalidArgument("apply statefulsets redis/redis-master: HTTP 422 Invalid: Forbidden");
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.code() == Status::Code::kInvalidArgument);
  CHECK(r.requeue_after == 0ms);
  CHECK(f.client.objects[kube::kDeployments].count("redis/redis-replica") == 1);
  CHECK(ReadyReason(f.WrittenStatus()) == "ApplyFailed");
}

TEST_CASE("AnUnreachableApiServerEndsThePassBeforeTheStatus", "[reconciler]") {
  Fixture f;
  f.Cache(kRedisPairs, {Pair()});
  f.client.fail["apply services"] = Status::Unavailable("connection refused");
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.code() == Status::Code::kUnavailable);
  CHECK(f.client.CallsOf("apply").size() == 1);
  CHECK(f.client.CallsOf("apply status").empty());
}

TEST_CASE("AnInvalidSpecIsReportedInStatusAndNotRetried", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair({{"master", {{"nodePort", "not a number"}}}}));
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == 0ms);
  CHECK(f.client.CallsOf("apply").empty());
  CHECK(ReadyReason(f.WrittenStatus()) == "InvalidSpec");
}

TEST_CASE("ASecretKeptWithTheDataByScript98IsAdoptedNotRegenerated", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  // scripts/98-redis-down.sh removed its ownerReference; our labels are still on it.
  const json kept = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata",
                      {{"name", "redis-auth"},
                       {"namespace", "redis"},
                       {"labels", {{names::kLabelManagedBy, names::kManagedBy}}}}},
                     {"data", {{"password", "b2xkLXBhc3N3b3Jk"}}}};
  f.client.objects[kube::kSecrets]["redis/redis-auth"] = kept;
  f.Cache(kube::kSecrets, {kept});
  REQUIRE(f.Reconcile().error.ok());
  for (const auto& call : f.client.CallsOf("create")) CHECK(call.key != "redis/redis-auth");
  bool adopted = false;
  for (const auto& call : f.client.CallsOf("apply")) {
    if (call.key != "redis/redis-auth") continue;
    adopted = true;
    CHECK(call.body["metadata"]["ownerReferences"][0]["uid"] == "uid-1");
    CHECK(call.body["metadata"]["ownerReferences"][0]["controller"] == true);
    CHECK_FALSE(call.body.contains("data"));
    CHECK_FALSE(call.body.contains("stringData"));
  }
  CHECK(adopted);
}

TEST_CASE("AMissingUserSecretIsReportedNotRetried", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair({{"auth", {{"secretName", "mine"}}}}));
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  // Only the operator's own Secret is made; the user's is never generated in its place.
  REQUIRE(f.client.CallsOf("create").size() == 1);
  CHECK(f.client.CallsOf("create")[0].key == "redis/redis-operator-auth");
  CHECK(ReadyReason(f.WrittenStatus()) == "AuthSecretMissing");
}

TEST_CASE("ADisabledInfoJobIsDeletedOnlyWhenTheOperatorOwnsIt", "[reconciler]") {
  Fixture f;
  f.Cache(kRedisPairs, {Pair()});
  json job = {{"metadata",
               {{"name", "redis-info"},
                {"namespace", "redis"},
                {"ownerReferences", json::array({{{"uid", "uid-1"}, {"controller", true}}})}}}};
  f.client.objects[kube::kCronJobs]["redis/redis-info"] = job;
  f.Cache(kube::kCronJobs, {job});
  f.Reconcile();
  REQUIRE(f.client.CallsOf("delete").size() == 1);
  CHECK(f.client.CallsOf("delete")[0].delete_options.propagation_policy == "Background");

  Fixture other;
  other.Cache(kRedisPairs, {Pair()});
  job["metadata"]["ownerReferences"][0]["uid"] = "someone-else";
  other.Cache(kube::kCronJobs, {job});
  other.Reconcile();
  CHECK(other.client.CallsOf("delete").empty());
}

TEST_CASE("AReplicaOnTheUnschedulableMastersVolumeNodeIsDeleted", "[reconciler]") {
  Fixture f;
  f.Cache(kRedisPairs, {Pair()});
  f.Cache(kube::kPersistentVolumeClaims,
          {{{"metadata",
             {{"name", names::kDataVolume + std::string("-redis-master-0")},
              {"namespace", "redis"},
              {"annotations", {{"volume.kubernetes.io/selected-node", "node-a"}}}}}}});
  const json unschedulable = {
      {"phase", "Pending"},
      {"conditions",
       json::array(
           {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}})}};
  const json running = {{"phase", "Running"}, {"podIP", "10.0.0.2"}};
  f.Cache(kube::kPods, {Pod("redis-master-0", names::kRoleMaster, "", unschedulable),
                        Pod("redis-replica-abc", names::kRoleReplica, "node-a", running)});
  f.client.objects[kube::kPods]["redis/redis-replica-abc"] = json::object();
  f.Reconcile();
  REQUIRE(f.client.CallsOf("delete").size() == 1);
  CHECK(f.client.CallsOf("delete")[0].key == "redis/redis-replica-abc");
  // The replica's Deployment is told to keep off that node too.
  const json deployment = f.client.objects[kube::kDeployments]["redis/redis-replica"];
  CHECK(deployment.dump().find("node-a") != std::string::npos);
}

TEST_CASE("ALostMasterClaimDoesNotRollTheReplicaThatHoldsTheData", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  const json claim = {{"metadata",
                       {{"name", names::kDataVolume + std::string("-redis-master-0")},
                        {"namespace", "redis"},
                        {"uid", "claim-a"},
                        {"annotations", {{"volume.kubernetes.io/selected-node", "node-a"}}}}}};
  f.Cache(kube::kPersistentVolumeClaims, {claim});
  REQUIRE(f.Reconcile().error.ok());
  f.SyncCachesFromClient();
  CHECK(AvoidedNodes(f.client.objects[kube::kDeployments]["redis/redis-replica"]) ==
        std::vector<std::string>{"node-a"});
  // The claim is deleted (a lost volume); its successor is not bound yet.
  f.caches[kube::kPersistentVolumeClaims].Replace({});
  f.client.calls.clear();
  REQUIRE(f.Reconcile().error.ok());
  for (const auto& call : f.client.CallsOf("apply")) CHECK(call.resource != kube::kDeployments);
}

// Answers INFO replication as a healthy pair would; counts the commands it is sent.
class HealthyProber : public ReplicationProber {
 public:
  StatusOr<ReplicationInfo> Probe(const std::string& host, int port, const std::string&) override {
    CHECK(port == names::kRedisPort);
    if (host == "10.0.0.1") {
      return ParseReplicationInfo(
          "role:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,offset=90\r\n"
          "master_repl_offset:100\r\n");
    }
    return ParseReplicationInfo("role:slave\r\nmaster_link_status:up\r\n");
  }
  StatusOr<std::string> Command(const std::string&, int, const std::string&,
                                const std::vector<std::string>&) override {
    ++commands;
    return std::string("OK");
  }
  int commands = 0;
};

TEST_CASE("AHealthyPairIsReadyAndLookedAtAgainLater", "[reconciler]") {
  HealthyProber prober;
  Fixture f(&prober);
  f.AddPair(Pair());
  const json ready = {{"phase", "Running"},
                      {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
  json master = ready, replica = ready;
  master["podIP"] = "10.0.0.1";
  replica["podIP"] = "10.0.0.2";
  f.Cache(kube::kPods, {Pod("redis-master-0", names::kRoleMaster, "node-a", master),
                        Pod("redis-replica-abc", names::kRoleReplica, "node-b", replica)});
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kHealthyResync);
  CHECK(IsConditionTrue(f.WrittenStatus(), kCondReady));
  CHECK(IsConditionTrue(f.WrittenStatus(), kCondReplicationHealthy));
  CHECK(prober.commands == 0);  // a healthy pair is only looked at
}

// Answers as a master being refilled from the replica (launcher.h) would, still loading.
class RefillingProber : public HealthyProber {
 public:
  StatusOr<ReplicationInfo> Probe(const std::string& host, int, const std::string&) override {
    if (host == "10.0.0.1") {
      return ParseReplicationInfo(
          "role:slave\r\nmaster_host:10.0.0.2\r\nmaster_link_status:down\r\n"
          "master_sync_in_progress:1\r\n");
    }
    return ParseReplicationInfo("role:master\r\nmaster_repl_offset:100\r\ndb0:keys=10000\r\n");
  }
};

TEST_CASE("ARefillingPairIsNotReadyAndIsLookedAtEverySecond", "[reconciler]") {
  RefillingProber prober;
  Fixture f(&prober);
  f.AddPair(Pair());
  const json running = {{"phase", "Running"}};
  json master = running, replica = running;
  master["podIP"] = "10.0.0.1";
  replica["podIP"] = "10.0.0.2";
  f.Cache(kube::kPods, {Pod("redis-master-0", names::kRoleMaster, "node-a", master),
                        Pod("redis-replica-abc", names::kRoleReplica, "node-b", replica)});
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kRefillResync);
  const json status = f.WrittenStatus();
  CHECK(ReadyReason(status) == "Refilling");
  const json* lost = FindCondition(status, kCondMasterDataLost);
  REQUIRE(lost != nullptr);
  CHECK((*lost)["status"] == "True");
  CHECK(prober.commands == 0);  // nothing to send until the data is in
}

// Keeps the Events the reconciler records.
class KeepingRecorder : public events::Recorder {
 public:
  void Record(const events::ObjectRef&, const events::Event& event) override {
    recorded.push_back(event);
  }
  std::vector<events::Event> recorded;
};

TEST_CASE("AMissingUserSecretRollsNothingOutAndIsAnnouncedOnce", "[reconciler]") {
  KeepingRecorder recorder;
  std::vector<events::Event>& recorded = recorder.recorded;
  Fixture f;
  f.reconciler.reset();
  ReconcilerDeps deps;
  deps.client = &f.client;
  deps.now_rfc3339 = [] { return std::string(kNow); };
  deps.recorder = &recorder;
  for (auto& [resource, store] : f.caches) deps.caches[resource] = &store;
  f.reconciler = std::make_unique<Reconciler>(std::move(deps));

  f.AddPair(Pair({{"auth", {{"secretName", "mine"}}}}));
  f.client.objects[kube::kSecrets]["redis/mine"] = {
      {"metadata", {{"name", "mine"}, {"namespace", "redis"}, {"resourceVersion", "1"}}},
      {"data", {{"password", "aHVudGVyMg=="}}}};
  REQUIRE(f.Reconcile().error.ok());
  f.SyncCachesFromClient();
  const json template_before =
      f.client.objects[kube::kStatefulSets]["redis/redis-master"]["spec"]["template"];
  CHECK(recorded.empty());

  // A metadata-only edit of the Secret: nothing to write.
  f.client.objects[kube::kSecrets]["redis/mine"]["metadata"]["labels"] = {{"team", "a"}};
  f.client.objects[kube::kSecrets]["redis/mine"]["metadata"]["resourceVersion"] = "2";
  f.client.calls.clear();
  REQUIRE(f.Reconcile().error.ok());
  CHECK(f.client.CallsOf("apply").empty());

  // The Secret goes away: status and one Event say so, and no workload is rolled out.
  f.client.objects[kube::kSecrets].erase("redis/mine");
  f.client.calls.clear();
  REQUIRE(f.Reconcile().error.ok());
  CHECK(ReadyReason(f.WrittenStatus()) == "AuthSecretMissing");
  for (const auto& call : f.client.calls) CHECK(call.resource != kube::kStatefulSets);
  for (const auto& call : f.client.calls) CHECK(call.resource != kube::kDeployments);
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].reason == "AuthSecretMissing");
  CHECK(recorded[0].type == events::Type::kWarning);
  f.SyncCachesFromClient();
  CHECK(f.client.objects[kube::kStatefulSets]["redis/redis-master"]["spec"]["template"] ==
        template_before);
  REQUIRE(f.Reconcile().error.ok());
  CHECK(recorded.size() == 1);
}

}  // namespace
}  // namespace redispair
