// The Event object's shape: what the API server requires of an events.k8s.io/v1 Event.
#include "events/event_object.h"

#include <catch2/catch.hpp>

namespace redispair::events {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::chrono::system_clock::time_point kT0{std::chrono::seconds(1767225600) + 123456us};

EventRecord Record() {
  return EventRecord{.name = "redis.1",
                     .regarding = {"redispair.io/v1alpha1", "RedisPair", "ns", "redis", "uid-1"},
                     .event = {.type = Type::kWarning, .reason = "ChildConflict", .note = "n"},
                     .reporting_controller = "redispair.io/redispair-operator",
                     .reporting_instance = "op-0",
                     .first = kT0,
                     .last = kT0,
                     .count = 1};
}

TEST_CASE("MicroTimeHasSixFractionDigitsInUtc", "[events]") {
  CHECK(FormatMicroTime(kT0) == "2026-01-01T00:00:00.123456Z");
  CHECK(FormatMicroTime(kT0 + 1s + 1us) == "2026-01-01T00:00:01.123457Z");
}

TEST_CASE("AFirstEventHasEveryFieldAV1EventNeedsAndNoSeries", "[events]") {
  const json e = BuildEventObject(Record());
  CHECK(e["apiVersion"] == "events.k8s.io/v1");
  CHECK(e["kind"] == "Event");
  CHECK(e["metadata"] == json{{"name", "redis.1"}, {"namespace", "ns"}});
  CHECK(e["eventTime"] == "2026-01-01T00:00:00.123456Z");
  CHECK(e["type"] == "Warning");
  CHECK(e["reason"] == "ChildConflict");
  CHECK(e["action"] == "Reconcile");  // defaulted: the API server requires one
  CHECK(e["note"] == "n");
  CHECK(e["regarding"] == json{{"apiVersion", "redispair.io/v1alpha1"},
                               {"kind", "RedisPair"},
                               {"namespace", "ns"},
                               {"name", "redis"},
                               {"uid", "uid-1"}});
  CHECK(e["reportingController"] == "redispair.io/redispair-operator");
  CHECK(e["reportingInstance"] == "op-0");
  CHECK_FALSE(e.contains("series"));
  // The v1 API refuses the deprecated core fields on create.
  for (const char* legacy : {"deprecatedCount", "deprecatedFirstTimestamp", "deprecatedSource"}) {
    CHECK_FALSE(e.contains(legacy));
  }
}

TEST_CASE("ARepeatedEventCarriesItsSeriesAndKeepsItsEventTime", "[events]") {
  EventRecord r = Record();
  r.count = 3;
  r.last = kT0 + 90s;
  const json e = BuildEventObject(r);
  CHECK(e["eventTime"] == "2026-01-01T00:00:00.123456Z");
  CHECK(e["series"] == json{{"count", 3}, {"lastObservedTime", "2026-01-01T00:01:30.123456Z"}});
}

TEST_CASE("ANoteIsCutTo1024BytesBetweenCharacters", "[events]") {
  EventRecord r = Record();
  r.event.note = std::string(1023, 'x') + "é and more";  // é is two bytes: 1023..1024
  const std::string note = BuildEventObject(r)["note"];
  CHECK(note == std::string(1023, 'x'));
  CHECK(CutUtf8("short", 1024) == "short");
  CHECK(CutUtf8("aé", 2) == "a");
  CHECK(CutUtf8("aé", 3) == "aé");
}

TEST_CASE("EventNamesStartWithTheObjectsNameAndDifferBySequence", "[events]") {
  const ObjectRef ref{"v", "K", "ns", "redis", "u"};
  const std::string a = EventName(ref, kT0, 0);
  const std::string b = EventName(ref, kT0, 1);
  CHECK(a.rfind("redis.", 0) == 0);
  CHECK(a != b);
}

}  // namespace
}  // namespace redispair::events
