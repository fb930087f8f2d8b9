// The recorder against the fake KubeClient with a fake clock: deduplication into series, the
// per-object rate limit, and what happens when the API server refuses an Event.
#include "events/recorder.h"

#include <catch2/catch.hpp>

#include "controller/fake_kube_client.h"
#include "kube/resource.h"
#include "metrics/metrics.h"

namespace redispair::events {
namespace {

using nlohmann::json;
using testing::FakeKubeClient;
using namespace std::chrono_literals;

const ObjectRef kPair{"redispair.io/v1alpha1", "RedisPair", "redis", "redis", "uid-1"};
const ObjectRef kOther{"redispair.io/v1alpha1", "RedisPair", "redis", "other", "uid-2"};

class Fixture {
 public:
  Fixture() {
    recorder = NewRecorder(
        &client,
        {.reporting_instance = "op-0", .metrics = &metrics, .now = [this] { return now; }});
  }
  void Record(const ObjectRef& ref, const std::string& reason, const std::string& note,
              Type type = Type::kWarning) {
    recorder->Record(ref, {.type = type, .reason = reason, .action = "", .note = note});
  }
  size_t Count(const std::string& verb) const { return client.CallsOf(verb).size(); }
  // The Events stored, as the API server would hold them.
  const std::map<std::string, json>& Stored() { return client.objects[kube::kEvents]; }

  std::chrono::system_clock::time_point now{std::chrono::seconds(1767225600)};
  FakeKubeClient client;
  Metrics metrics;
  std::unique_ptr<Recorder> recorder;
};

TEST_CASE("AnEventIsCreatedInTheObjectsNamespace", "[events]") {
  Fixture f;
  f.Record(kPair, "ChildConflict", "Service redis/redis-master is not ours");
  REQUIRE(f.Count("create") == 1);
  const FakeKubeClient::Call& c = f.client.calls[0];
  CHECK(c.resource == kube::kEvents);
  CHECK(c.body["metadata"]["namespace"] == "redis");
  CHECK(c.body["regarding"]["uid"] == "uid-1");
  CHECK(c.body["reportingInstance"] == "op-0");
  CHECK(f.metrics.Get("redispair_events_total",
                      {{"type", "Warning"}, {"reason", "ChildConflict"}}) == 1);
}

TEST_CASE("RepeatsOfOneEventAreOneEventWithASeries", "[events]") {
  Fixture f;
  f.Record(kPair, "ChildConflict", "same");
  f.now += 5s;
  f.Record(kPair, "ChildConflict", "same");
  // One Event, now with series count 2, written at once.
  REQUIRE(f.Stored().size() == 1);
  REQUIRE(f.Count("apply") == 1);
  const json& e = f.Stored().begin()->second;
  CHECK(e["series"]["count"] == 2);
  CHECK(e["metadata"]["name"] == f.client.CallsOf("create")[0].body["metadata"]["name"]);

  // More repeats within kSeriesRefresh are counted, not written.
  for (int i = 0; i < 10; ++i) {
    f.now += 5s;
    f.Record(kPair, "ChildConflict", "same");
  }
  CHECK(f.Count("apply") == 1);
  CHECK(f.Stored().size() == 1);
  // The next repeat after kSeriesRefresh writes the exact count.
  f.now += kSeriesRefresh;
  f.Record(kPair, "ChildConflict", "same");
  CHECK(f.Count("apply") == 2);
  CHECK(f.Stored().begin()->second["series"]["count"] == 13);
  CHECK(f.Count("create") == 1);
}

TEST_CASE("ADifferentNoteReasonOrObjectIsAnotherEvent", "[events]") {
  Fixture f;
  f.Record(kPair, "NotReady", "master pod is pending");
  f.Record(kPair, "NotReady", "replica pod is pending");
  f.Record(kPair, "Ready", "master pod is pending");
  f.Record(kOther, "NotReady", "master pod is pending");
  f.Record(kPair, "NotReady", "master pod is pending", Type::kNormal);
  CHECK(f.Count("create") == 5);
  CHECK(f.Count("apply") == 0);
}

TEST_CASE("ARepeatAfterTheSeriesWindowStartsANewEvent", "[events]") {
  Fixture f;
  f.Record(kPair, "Ready", "ready");
  f.now += kSeriesWindow + 1s;
  f.Record(kPair, "Ready", "ready");
  CHECK(f.Count("create") == 2);
  CHECK(f.Stored().size() == 2);
}

TEST_CASE("AFlappingObjectCannotFloodTheApiServer", "[events]") {
  Fixture f;
  // Every note differs, so nothing deduplicates: only the per-object bucket holds it back.
  for (int i = 0; i < 100; ++i) {
    f.now += 1s;
    f.Record(kPair, "NotReady", "flap " + std::to_string(i));
  }
  CHECK(f.Count("create") == static_cast<size_t>(kBurst));
  CHECK(f.metrics.Get("redispair_events_dropped_total", {{"why", "rate_limited"}}) == 100 - kBurst);
  // Another object has its own bucket.
  f.Record(kOther, "NotReady", "flap");
  CHECK(f.Count("create") == static_cast<size_t>(kBurst) + 1);
  // One token comes back every kRefillInterval.
  f.now += kRefillInterval;
  f.Record(kPair, "NotReady", "after a while");
  f.Record(kPair, "NotReady", "too soon");
  CHECK(f.Count("create") == static_cast<size_t>(kBurst) + 2);
}

TEST_CASE("AnEventHeldBackByTheRateLimitIsCreatedWhenItRecurs", "[events]") {
  Fixture f;
  for (int i = 0; i < kBurst; ++i) f.Record(kPair, "NotReady", "flap " + std::to_string(i));
  f.Record(kPair, "ChildConflict", "held back");  // no token left: dropped, so no Event exists
  REQUIRE(f.Count("create") == static_cast<size_t>(kBurst));
  f.now += kRefillInterval;
  f.Record(kPair, "ChildConflict", "held back");
  // A series update would patch an Event that was never written: it must be a create.
  CHECK(f.Count("create") == static_cast<size_t>(kBurst) + 1);
  CHECK(f.Count("apply") == 0);
  CHECK(f.client.CallsOf("create").back().body["note"] == "held back");
}

TEST_CASE("ARefusedEventIsDroppedAndItsRepeatCreatesItAgain", "[events]") {
  Fixture f;
  f.client.fail["create events"] = Status::PermissionDenied("events is forbidden");
  f.Record(kPair, "Ready", "ready");  // must not throw or fail anything
  CHECK(f.Stored().empty());
  CHECK(f.metrics.Get("redispair_events_dropped_total", {{"why", "api_error"}}) == 1);
  f.client.fail.clear();
  f.now += 1s;
  f.Record(kPair, "Ready", "ready");
  CHECK(f.Count("create") == 2);
  CHECK(f.Count("apply") == 0);
  CHECK(f.Stored().size() == 1);
}

TEST_CASE("ASeriesWhoseEventExpiredStartsAgainWithANewEvent", "[events]") {
  Fixture f;
  f.Record(kPair, "ChildConflict", "same");
  f.client.objects[kube::kEvents].clear();  // the API server's event TTL removed it
  f.client.fail["apply events"] = Status::NotFound("events not found");
  f.now += 1s;
  f.Record(kPair, "ChildConflict", "same");
  f.client.fail.clear();
  f.now += 1s;
  f.Record(kPair, "ChildConflict", "same");
  CHECK(f.Count("create") == 2);
  CHECK(f.Stored().size() == 1);
  CHECK_FALSE(f.Stored().begin()->second.contains("series"));
}

}  // namespace
}  // namespace redispair::events
