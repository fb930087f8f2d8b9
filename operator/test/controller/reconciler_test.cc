// The reconciler against a fake KubeClient and Stores as its caches: which calls one pass makes,
// what it returns, the status it writes and the Events it records. The real API server is the
// integration tests' (test/integration).
#include "controller/reconciler.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <catch2/catch.hpp>

#include "controller/names.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "controller/volume_node.h"
#include "events/recorder.h"
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
               {{"name", "redis"},
                {"namespace", "redis"},
                {"uid", "uid-1"},
                {"generation", 1},
                {"resourceVersion", "100"}}},
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

// Someone else's object of `kind` called `name` in namespace redis.
json Foreign(const std::string& kind, const std::string& name, json extra = json::object()) {
  json object = {{"kind", kind},
                 {"metadata",
                  {{"name", name},
                   {"namespace", "redis"},
                   {"labels", {{"app.kubernetes.io/managed-by", "Helm"}}}}}};
  object.update(extra);
  return object;
}

// A reconciler whose caches are Stores the test fills, whose client is a fake, and whose Events
// go through a real recorder into that fake.
class Fixture {
 public:
  explicit Fixture(ReplicationProber* prober = nullptr) {
    recorder = events::NewRecorder(&client, {.reporting_instance = "test"});
    ReconcilerDeps deps;
    deps.client = &client;
    deps.prober = prober;
    deps.recorder = recorder.get();
    deps.now_rfc3339 = [] { return std::string(kNow); };
    deps.now_steady = [this] { return steady; };
    for (const kube::Resource& r :
         {kRedisPairs, kube::kPods, kube::kPersistentVolumeClaims, kube::kServices,
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
  // The reasons of the Events recorded so far, in order: created, or (a repeat) counted in the
  // series of an earlier one.
  std::vector<std::string> EventReasons() const {
    std::vector<std::string> out;
    for (const auto& c : client.calls) {
      if (c.resource == kube::kEvents) out.push_back(c.body["reason"]);
    }
    return out;
  }
  // The keys of the calls with this verb on this resource.
  std::vector<std::string> Keys(const std::string& verb, const kube::Resource& resource) const {
    std::vector<std::string> out;
    for (const auto& c : client.CallsOf(verb)) {
      if (c.resource == resource) out.push_back(c.key);
    }
    return out;
  }

  FakeKubeClient client;
  std::unique_ptr<events::Recorder> recorder;
  ApplyBackoff::Clock::time_point steady = ApplyBackoff::Clock::time_point{} + 1h;
  std::map<kube::Resource, Store> caches;
  std::unique_ptr<Reconciler> reconciler;
};

std::string ReadyReason(const json& status) {
  const json* ready = FindCondition(status, kCondReady);
  REQUIRE(ready != nullptr);
  return (*ready)["reason"];
}

std::string ReadyMessage(const json& status) {
  const json* ready = FindCondition(status, kCondReady);
  REQUIRE(ready != nullptr);
  return (*ready)["message"];
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
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
  // No pods yet: their every change is an event, so only the rare safety-net resync.
  CHECK(r.requeue_after == Reconciler::kIdleResync);
  std::vector<std::string> writes;
  for (const auto& c : f.client.calls) {
    if (c.verb != "get" && c.verb != "list" && c.resource != kube::kEvents) {
      writes.push_back(c.verb + " " + c.resource.plural + " " + c.key);
    }
  }
  // Secrets, then the Services (at once, in any order), then the workloads, then status.
  REQUIRE(writes.size() == 10);
  CHECK(std::vector<std::string>(writes.begin(), writes.begin() + 2) ==
        std::vector<std::string>{"create secrets redis/redis-operator-auth",
                                 "create secrets redis/redis-auth"});
  std::vector<std::string> services(writes.begin() + 2, writes.begin() + 7);
  std::sort(services.begin(), services.end());
  CHECK(services == std::vector<std::string>{"apply services redis/redis-master",
                                             "apply services redis/redis-master-headless",
                                             "apply services redis/redis-master-repl",
                                             "apply services redis/redis-replica",
                                             "apply services redis/redis-replica-headless"});
  std::vector<std::string> workloads(writes.begin() + 7, writes.begin() + 9);
  std::sort(workloads.begin(), workloads.end());
  CHECK(workloads == std::vector<std::string>{"apply deployments redis/redis-replica",
                                              "apply statefulsets redis/redis-master"});
  CHECK(writes.back() == "apply status redispairs redis/redis");
  // No list of the namespace's Services to check the NodePorts: the cache and the API server do.
  CHECK(f.client.CallsOf("list").empty());
  // Every child missing from the cache was looked up first: is the name someone else's?
  std::vector<std::string> looked_up = f.Keys("get", kube::kServices);
  std::sort(looked_up.begin(), looked_up.end());
  CHECK(looked_up == std::vector<std::string>{"redis/redis-master", "redis/redis-master-headless",
                                              "redis/redis-master-repl", "redis/redis-replica",
                                              "redis/redis-replica-headless"});
  CHECK(f.Keys("get", kube::kStatefulSets) == std::vector<std::string>{"redis/redis-master"});
  CHECK(f.Keys("get", kube::kSecrets) ==
        std::vector<std::string>{"redis/redis-operator-auth", "redis/redis-auth"});
  CHECK(ReadyReason(f.WrittenStatus()) == "PodMissing");
  // One Event tells what was created.
  REQUIRE(f.EventReasons() == std::vector<std::string>{"Created"});
  const std::string note = f.client.CallsOf("create").back().body["note"];
  CHECK(note.find("Secret redis-auth") != std::string::npos);
  CHECK(note.find("StatefulSet redis-master") != std::string::npos);
}

TEST_CASE("TheServicesAreAppliedAtOnceThenTheWorkloadsAtOnce", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  // Each apply waits until every apply of its stage has started: one after another, the first
  // would wait in vain. Generous, the machine may be busy.
  constexpr auto kStageWait = 3s;
  const std::vector<std::string> kServiceKeys = {
      "redis/redis-master-headless", "redis/redis-master", "redis/redis-master-repl",
      "redis/redis-replica", "redis/redis-replica-headless"};
  std::mutex mu;
  std::condition_variable cv;
  std::map<bool, int> started;     // by "is a Service"; guarded by mu
  int met = 0;                     // applies that saw their whole stage started; guarded by mu
  bool services_were_done = true;  // every workload apply began after the Services were stored
  f.client.before_apply = [&](const kube::Resource& r) {
    if (r != kube::kServices && r != kube::kStatefulSets && r != kube::kDeployments) return;
    const bool service = r == kube::kServices;
    if (!service) {
      for (const std::string& key : kServiceKeys) {
        if (f.client.Object(kube::kServices, key).is_null()) services_were_done = false;
      }
    }
    std::unique_lock<std::mutex> lock(mu);
    ++started[service];
    cv.notify_all();
    const int stage = service ? 5 : 2;
    if (cv.wait_for(lock, kStageWait, [&] { return started[service] == stage; })) ++met;
  };
  REQUIRE(f.Reconcile().error.ok());
  CHECK(met == 7);
  CHECK(services_were_done);
}

TEST_CASE("ASteadyStateMakesNoWrites", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  REQUIRE(f.Reconcile().error.ok());
  f.SyncCachesFromClient();
  f.client.calls.clear();

  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kIdleResync);
  CHECK(f.client.Writes() == 0);
  // Reads: the two Secrets by name (the operator's and the clients'), nothing else (the children
  // are cached).
  CHECK(f.Keys("get", kube::kSecrets) ==
        std::vector<std::string>{"redis/redis-operator-auth", "redis/redis-auth"});
  CHECK(f.client.CallsOf("get").size() == 2);
}

TEST_CASE("AStatusWriteTheCacheHasNotSeenYetIsNotRepeated", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  REQUIRE(f.Reconcile().error.ok());
  REQUIRE(f.client.CallsOf("apply status").size() == 1);
  // A child event reconciles again before the RedisPair's own watch event arrived.
  f.Reconcile();
  CHECK(f.client.CallsOf("apply status").size() == 1);
  CHECK(f.EventReasons() == std::vector<std::string>{"Created"});
}

TEST_CASE("ARefusedChildIsReportedAndHeldBackWhileThePairKeepsItsResync", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  f.client.fail["apply statefulsets"] = Status::InvalidArgument(
      "apply statefulsets redis/redis-master: HTTP 422 Invalid: denied by policy");
  ReconcileResult r = f.Reconcile();
  // Not an error for the work queue: its backoff would hold back the health resync as well.
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kUnhealthyResync);
  CHECK(f.client.objects[kube::kDeployments].count("redis/redis-replica") == 1);
  CHECK(ReadyReason(f.WrittenStatus()) == "ApplyFailed");
  CHECK(ReadyMessage(f.WrittenStatus()).find("denied by policy") != std::string::npos);
  CHECK(Contains(f.EventReasons(), "ApplyRefused"));

  // The next pass, right away: the pair is looked at, the refused child is not applied again.
  f.SyncCachesFromClient();
  r = f.Reconcile();
  CHECK(r.requeue_after == Reconciler::kUnhealthyResync);
  CHECK(f.Keys("apply", kube::kStatefulSets).size() == 1);
  CHECK(ReadyReason(f.WrittenStatus()) == "ApplyFailed");
  // Once its backoff has passed, it is tried again.
  f.steady += ApplyBackoff::kFirst;
  f.Reconcile();
  CHECK(f.Keys("apply", kube::kStatefulSets).size() == 2);
}

TEST_CASE("AnUnreachableApiServerEndsThePassBeforeTheStatus", "[reconciler]") {
  Fixture f;
  f.Cache(kRedisPairs, {Pair()});
  f.client.fail["apply services"] = Status::Unavailable("connection refused");
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.code() == Status::Code::kUnavailable);
  // The Services were tried at once; nothing after them was.
  CHECK(f.Keys("apply", kube::kServices).size() == 5);
  CHECK(f.client.CallsOf("apply").size() == 5);
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
  CHECK(f.Keys("create", kube::kSecrets) == std::vector<std::string>{"redis/redis-operator-auth"});
  CHECK(ReadyReason(f.WrittenStatus()) == "AuthSecretMissing");
}

json UserSecret(bool opted_in) {
  json secret = {{"kind", "Secret"},
                 {"metadata", {{"name", "mine"}, {"namespace", "redis"}}},
                 {"data", {{"password", "c2VjcmV0LXZhbHVl"}}}};  // secret-value
  if (opted_in) secret["metadata"]["labels"] = {{"redispair.io/auth", "true"}};
  return secret;
}

TEST_CASE("AUserSecretThatDidNotOptInReachesNoPod", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair({{"auth", {{"secretName", "mine"}}}}));
  f.client.objects[kube::kSecrets]["redis/mine"] = UserSecret(false);
  f.Reconcile();
  CHECK(ReadyReason(f.WrittenStatus()) == "AuthSecretNotOptedIn");
  CHECK(ReadyMessage(f.WrittenStatus())
            .find("kubectl label secret mine -n redis redispair.io/auth=true") !=
        std::string::npos);
  // The workloads, whose pods would read it, are not applied; the Services are.
  CHECK(f.Keys("apply", kube::kStatefulSets).empty());
  CHECK(f.Keys("apply", kube::kDeployments).empty());
  // headless, master, master-repl, replica, replica-headless
  CHECK(f.Keys("apply", kube::kServices).size() == 5);

  Fixture opted;
  opted.AddPair(Pair({{"auth", {{"secretName", "mine"}}}}));
  opted.client.objects[kube::kSecrets]["redis/mine"] = UserSecret(true);
  opted.Reconcile();
  REQUIRE(opted.Keys("apply", kube::kStatefulSets).size() == 1);
  for (const auto& c : opted.client.CallsOf("apply")) {
    if (c.resource != kube::kStatefulSets) continue;
    CHECK(c.body.dump().find("\"name\":\"mine\"") != std::string::npos);
  }
}

TEST_CASE("AForeignObjectWithAChildsNameIsReportedAndLeftAlone", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  f.client.objects[kube::kServices]["redis/redis-master"] = Foreign("Service", "redis-master");
  const ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kUnhealthyResync);
  CHECK_FALSE(Contains(f.Keys("apply", kube::kServices), "redis/redis-master"));
  CHECK(f.client.objects[kube::kServices]["redis/redis-master"] ==
        Foreign("Service", "redis-master"));
  // The others are applied.
  CHECK(f.Keys("apply", kube::kStatefulSets).size() == 1);
  CHECK(ReadyReason(f.WrittenStatus()) == "ChildConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("Service redis/redis-master") != std::string::npos);
  CHECK(ReadyMessage(f.WrittenStatus()).find("managed by Helm") != std::string::npos);
  CHECK(Contains(f.EventReasons(), "ChildConflict"));
}

TEST_CASE("ACachedChildOfAnEarlierPairOfTheSameNameIsAConflict", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  json old = Foreign("StatefulSet", "redis-master");
  old["metadata"]["ownerReferences"] = json::array(
      {{{"kind", "RedisPair"}, {"name", "redis"}, {"uid", "uid-0"}, {"controller", true}}});
  f.Cache(kube::kStatefulSets, {old});
  f.Reconcile();
  CHECK(f.Keys("apply", kube::kStatefulSets).empty());
  CHECK(ReadyReason(f.WrittenStatus()) == "ChildConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("another uid") != std::string::npos);
}

TEST_CASE("AGeneratedSecretNameHeldBySomeoneElseIsNotUsed", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  f.client.objects[kube::kSecrets]["redis/redis-auth"] =
      Foreign("Secret", "redis-auth", {{"data", {{"password", "c2VjcmV0LXZhbHVl"}}}});
  f.Reconcile();
  // Neither taken over (it has no controller, but it is not ours) nor made again.
  CHECK(f.Keys("create", kube::kSecrets) == std::vector<std::string>{"redis/redis-operator-auth"});
  CHECK_FALSE(Contains(f.Keys("apply", kube::kSecrets), "redis/redis-auth"));
  CHECK(f.Keys("apply", kube::kStatefulSets).empty());
  CHECK(ReadyReason(f.WrittenStatus()) == "ChildConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("Secret redis/redis-auth") != std::string::npos);
}

TEST_CASE("ANodePortHeldByAnotherServiceIsReportedWithThatService", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  // Someone else's Service, which the operator does not cache: the API server refuses the port.
  f.client.objects[kube::kServices]["redis/web"] =
      Foreign("Service", "web", {{"spec", {{"ports", json::array({{{"nodePort", 32401}}})}}}});
  f.client.fail["apply services redis/redis-replica"] = Status::InvalidArgument(
      "apply services redis/redis-replica: HTTP 422 Invalid: Service \"redis-replica\" is "
      "invalid: spec.ports[0].nodePort: Invalid value: 32401: provided port is already allocated");
  f.Reconcile();
  CHECK(f.client.objects[kube::kServices].count("redis/redis-replica") == 0);
  CHECK(Contains(f.Keys("apply", kube::kServices), "redis/redis-master"));
  CHECK(ReadyReason(f.WrittenStatus()) == "NodePortConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("NodePort 32401") != std::string::npos);
  CHECK(ReadyMessage(f.WrittenStatus()).find("Service redis/web (managed by Helm)") !=
        std::string::npos);
  CHECK(Contains(f.EventReasons(), "NodePortConflict"));

  // The next pass holds the apply back, and still names the holder. (The caches stay empty: the
  // operator's hold only its own labelled objects, never `web`.)
  const auto replica_applies = [&] {
    const std::vector<std::string> keys = f.Keys("apply", kube::kServices);
    return std::count(keys.begin(), keys.end(), "redis/redis-replica");
  };
  REQUIRE(replica_applies() == 1);
  f.Reconcile();
  CHECK(replica_applies() == 1);
  CHECK(ReadyReason(f.WrittenStatus()) == "NodePortConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("Service redis/web (managed by Helm)") !=
        std::string::npos);
}

TEST_CASE("ANodePortHeldByAnotherPairIsFoundInTheCacheWithoutAList", "[reconciler]") {
  Fixture f;
  f.AddPair(Pair());
  json other = {{"metadata",
                 {{"name", "other-replica"},
                  {"namespace", "redis"},
                  {"labels", {{names::kLabelInstance, "other"}}},
                  {"ownerReferences", json::array({{{"uid", "uid-2"}, {"controller", true}}})}}},
                {"spec", {{"ports", json::array({{{"nodePort", 32401}}})}}}};
  f.Cache(kube::kServices, {other});
  f.Reconcile();
  CHECK_FALSE(Contains(f.Keys("apply", kube::kServices), "redis/redis-replica"));
  CHECK(f.client.CallsOf("list").empty());
  CHECK(ReadyReason(f.WrittenStatus()) == "NodePortConflict");
  CHECK(ReadyMessage(f.WrittenStatus()).find("Service redis/other-replica") != std::string::npos);
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
      {"conditions", json::array({{{"type", "PodScheduled"},
                                   {"status", "False"},
                                   {"reason", "Unschedulable"},
                                   {"message", "0/2 nodes are available"}}})}};
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
  // Said as an Event: which pod was moved, from where, and why.
  REQUIRE(Contains(f.EventReasons(), "PlacementDeadlockBroken"));
  for (const auto& c : f.client.CallsOf("create")) {
    if (c.body.value("reason", "") != "PlacementDeadlockBroken") continue;
    const std::string note = c.body["note"];
    CHECK(note.find("redis-replica-abc") != std::string::npos);
    CHECK(note.find("node-a") != std::string::npos);
    CHECK(note.find("0/2 nodes are available") != std::string::npos);
  }
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

// Answers INFO replication as a pair would: healthy, unless the replica is down; with the master
// ahead of the replica's acknowledged offset by `lag` bytes; counts the commands it is sent.
class Prober : public ReplicationProber {
 public:
  StatusOr<ReplicationInfo> Probe(const std::string& host, int port, const std::string&) override {
    CHECK(port == names::kRedisPort);
    if (host == "10.0.0.1") {
      const int64_t offset = 1'000'000'000 + ++probes * 1'000'000;
      return ParseReplicationInfo(
          "role:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,offset=" +
          std::to_string(offset - lag) + "\r\nmaster_repl_offset:" + std::to_string(offset) +
          "\r\n");
    }
    if (replica_down) return Status::Unavailable("connect 10.0.0.2:6379: Connection refused");
    return ParseReplicationInfo("role:slave\r\nmaster_link_status:up\r\n");
  }
  StatusOr<std::string> Command(const std::string&, int, const std::string&,
                                const std::vector<std::string>&) override {
    ++commands;
    return std::string("OK");
  }
  int commands = 0;
  int probes = 0;
  int64_t lag = 90;
  bool replica_down = false;
};

void AddHealthyPods(Fixture* f) {
  const json ready = {{"phase", "Running"},
                      {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}};
  json master = ready, replica = ready;
  master["podIP"] = "10.0.0.1";
  replica["podIP"] = "10.0.0.2";
  f->Cache(kube::kPods, {Pod("redis-master-0", names::kRoleMaster, "node-a", master),
                         Pod("redis-replica-abc", names::kRoleReplica, "node-b", replica)});
}

TEST_CASE("AHealthyPairIsReadyAndLookedAtAgainLater", "[reconciler]") {
  Prober prober;
  Fixture f(&prober);
  f.AddPair(Pair());
  AddHealthyPods(&f);
  ReconcileResult r = f.Reconcile();
  CHECK(r.error.ok());
  CHECK(r.requeue_after == Reconciler::kHealthyResync);
  CHECK(IsConditionTrue(f.WrittenStatus(), kCondReady));
  CHECK(IsConditionTrue(f.WrittenStatus(), kCondReplicationHealthy));
  CHECK(prober.commands == 0);  // a healthy pair is only looked at
  CHECK(f.WrittenStatus()["replication"]["lag"] == "InSync");
}

TEST_CASE("UnderWriteLoadTheStatusIsWrittenOnlyWhenTheLagBucketChanges", "[reconciler]") {
  Prober prober;
  Fixture f(&prober);
  f.AddPair(Pair());
  AddHealthyPods(&f);
  // Every probe sees other offsets and another lag, as under a write load of a few MB/s.
  for (int i = 0; i < 20; ++i) {
    prober.lag = (i * 379'000) % 3'000'000;
    f.Reconcile();
    f.SyncCachesFromClient();
  }
  CHECK(f.client.CallsOf("apply status").size() == 1);
  // Past 8 MiB the bucket changes: one more write, and it stays there.
  prober.lag = 9 << 20;
  f.Reconcile();
  f.SyncCachesFromClient();
  prober.lag = 10 << 20;
  f.Reconcile();
  CHECK(f.client.CallsOf("apply status").size() == 2);
  CHECK(f.WrittenStatus()["replication"]["lag"] == "Behind");
}

TEST_CASE("EventsFollowReadinessAndReplicationTransitions", "[reconciler]") {
  Prober prober;
  Fixture f(&prober);
  f.AddPair(Pair());
  AddHealthyPods(&f);
  f.Reconcile();
  f.SyncCachesFromClient();
  f.Reconcile();
  f.SyncCachesFromClient();
  CHECK(f.EventReasons() == std::vector<std::string>{"Created", "Ready"});
  prober.replica_down = true;
  f.Reconcile();
  f.SyncCachesFromClient();
  f.Reconcile();
  f.SyncCachesFromClient();
  CHECK(f.EventReasons() ==
        std::vector<std::string>{"Created", "Ready", "NotReady", "ReplicationBroken"});
  prober.replica_down = false;
  f.Reconcile();
  CHECK(f.EventReasons() == std::vector<std::string>{"Created", "Ready", "NotReady",
                                                     "ReplicationBroken", "Ready",
                                                     "ReplicationRestored"});
  // No Event holds the password.
  const std::string password =
      f.client.CallsOf("create")[0].body["stringData"]["password"].get<std::string>();
  REQUIRE(password.size() == 32);
  for (const auto& c : f.client.CallsOf("create")) {
    if (c.resource == kube::kEvents) CHECK(c.body.dump().find(password) == std::string::npos);
  }
}

// Answers as a master being refilled from the replica (launcher.h) would, still loading.
class RefillingProber : public Prober {
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

TEST_CASE("AMissingUserSecretRollsNothingOutAndIsAnnouncedOnce", "[reconciler]") {
  Fixture f;
  const auto auth_events = [&f] {
    const std::vector<std::string> reasons = f.EventReasons();
    return std::count(reasons.begin(), reasons.end(), "AuthSecretMissing");
  };
  f.AddPair(Pair({{"auth", {{"secretName", "mine"}}}}));
  json mine = {{"metadata", {{"name", "mine"}, {"namespace", "redis"}, {"resourceVersion", "1"}}},
               {"data", {{"password", "aHVudGVyMg=="}}}};
  mine["metadata"]["labels"] = {{"redispair.io/auth", "true"}};
  f.client.objects[kube::kSecrets]["redis/mine"] = mine;
  REQUIRE(f.Reconcile().error.ok());
  f.SyncCachesFromClient();
  const json template_before =
      f.client.objects[kube::kStatefulSets]["redis/redis-master"]["spec"]["template"];
  CHECK(auth_events() == 0);

  // A metadata-only edit of the Secret: nothing to write.
  f.client.objects[kube::kSecrets]["redis/mine"]["metadata"]["labels"]["team"] = "a";
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
  CHECK(auth_events() == 1);
  f.SyncCachesFromClient();
  CHECK(f.client.objects[kube::kStatefulSets]["redis/redis-master"]["spec"]["template"] ==
        template_before);
  REQUIRE(f.Reconcile().error.ok());
  CHECK(auth_events() == 1);
}

}  // namespace
}  // namespace redispair
