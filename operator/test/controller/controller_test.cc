// The controller against the fake client: its informers list and watch through it, its workers
// reconcile what they deliver, an update of a RedisPair that leaves its generation alone (a status
// write) reconciles nothing, and the periodic health resync runs without any event.
#include "controller/controller.h"

#include <catch2/catch.hpp>

#include <functional>
#include <thread>

#include "controller/names.h"
#include "fake_kube_client.h"
#include "metrics/metrics.h"

namespace redispair {
namespace {

using nlohmann::json;
using testing::FakeKubeClient;
using namespace std::chrono_literals;

// Generous: the machine may be busy with other builds.
constexpr auto kWait = 10s;

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

json Pair(int64_t generation, const std::string& version) {
  return json{{"apiVersion", kApiVersion},
              {"kind", kKind},
              {"metadata",
               {{"name", "redis"},
                {"namespace", "redis"},
                {"uid", "uid-1"},
                {"generation", generation},
                {"resourceVersion", version}}},
              {"spec", json::object()}};
}

// Runs a Controller on its own thread until the fixture ends.
class Running {
 public:
  // `seed` may store more objects in the fake before the controller lists them.
  explicit Running(const std::function<void(FakeKubeClient*)>& seed = {}) {
    client.objects[kRedisPairs]["redis/redis"] = Pair(1, "100");
    if (seed) seed(&client);
    controller = std::make_unique<Controller>(
        &client, &metrics, nullptr,
        ControllerOptions{.namespace_ = "redis", .workers = 1, .importer_image = ""});
    thread = std::thread([this] { controller->Run(); });
  }
  ~Running() {
    controller->Stop();
    client.Shutdown();  // ends the informers' blocked watches, as ApiClient::Shutdown does
    thread.join();
    controller.reset();
  }
  double Reconciles() const { return metrics.Get("redispair_reconcile_total", {{"result", "ok"}}); }

  FakeKubeClient client;
  Metrics metrics;
  std::unique_ptr<Controller> controller;
  std::thread thread;
};

TEST_CASE("AStatusOnlyUpdateReconcilesNothingButASpecChangeDoes", "[controller]") {
  Running r;
  REQUIRE(Eventually([&] { return r.Reconciles() >= 1; }));
  REQUIRE(Eventually([&] { return !r.client.CallsOf("apply status").empty(); }));
  const double after_first = r.Reconciles();

  // The watch event of the operator's own status write: same generation, new resourceVersion.
  json written = r.client.Object(kRedisPairs, "redis/redis");
  written["metadata"]["resourceVersion"] = "101";
  r.client.PushWatchEvent(kRedisPairs, "MODIFIED", written);
  REQUIRE(Eventually([&] { return r.client.WatchEventsHandled(kRedisPairs) == 1; }));
  // Had it been enqueued, the idle worker would have taken it at once.
  std::this_thread::sleep_for(300ms);
  CHECK(r.Reconciles() == after_first);

  // A spec change bumps the generation.
  json edited = written;
  edited["metadata"]["generation"] = 2;
  edited["metadata"]["resourceVersion"] = "102";
  edited["spec"]["image"] = "redis:7.4";
  r.client.PushWatchEvent(kRedisPairs, "MODIFIED", edited);
  CHECK(Eventually([&] { return r.Reconciles() > after_first; }));
}

TEST_CASE("AChildEventReconcilesItsPair", "[controller]") {
  Running r;
  REQUIRE(Eventually([&] { return r.Reconciles() >= 1; }));
  const double before = r.Reconciles();
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "redis-master-0"},
                {"namespace", "redis"},
                {"resourceVersion", "7"},
                {"labels", {{names::kLabelInstance, "redis"}}}}}};
  r.client.PushWatchEvent(kube::kPods, "ADDED", pod);
  CHECK(Eventually([&] { return r.Reconciles() > before; }));
}

TEST_CASE("TheHealthResyncRunsWithoutAnyEvent", "[controller]") {
  // A master pod with an address, so something to probe; no replica, so not ready.
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", "redis-master-0"},
        {"namespace", "redis"},
        {"resourceVersion", "7"},
        {"labels",
         {{names::kLabelInstance, "redis"}, {names::kLabelComponent, names::kRoleMaster}}}}},
      {"status", {{"phase", "Running"}, {"podIP", "10.0.0.5"}}}};
  Running r(
      [&](FakeKubeClient* client) { client->objects[kube::kPods]["redis/redis-master-0"] = pod; });
  REQUIRE(Eventually([&] { return r.Reconciles() >= 1; }));
  // Not ready, a pod to probe: looked at again after Reconciler::kUnhealthyResync.
  CHECK(Eventually([&] { return r.Reconciles() >= 2; }, Reconciler::kUnhealthyResync + kWait));
}

}  // namespace
}  // namespace redispair
