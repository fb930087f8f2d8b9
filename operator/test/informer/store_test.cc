#include "informer/store.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

using nlohmann::json;

json Obj(const std::string& name, const std::string& rv) {
  return json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

WatchEvent Ev(EventType t, json o) { return WatchEvent{t, std::move(o)}; }

}  // namespace

TEST_CASE("ParseWatchEventReadsEveryType") {
  for (auto [text, type] :
       std::vector<std::pair<std::string, EventType>>{{"ADDED", EventType::kAdded},
                                                      {"MODIFIED", EventType::kModified},
                                                      {"DELETED", EventType::kDeleted},
                                                      {"BOOKMARK", EventType::kBookmark},
                                                      {"ERROR", EventType::kError}}) {
    auto ev = ParseWatchEvent(R"({"type":")" + text + R"(","object":{"metadata":{}}})");
    REQUIRE(ev.ok());
    CHECK(ev->type == type);
  }
}

TEST_CASE("MalformedWatchLinesAreErrorsNotCrashes") {
  for (const char* line :
       {"", "{", "null", "[]", R"({"type":"ADDED"})", R"({"type":"WHAT","object":{}})",
        R"({"type":1,"object":{}})", R"({"type":"ADDED","object":"str"})"}) {
    auto ev = ParseWatchEvent(line);
    CHECK_FALSE(ev.ok());
    CHECK(ev.status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("ApplyAddsModifiesAndDeletes") {
  Store store;
  auto c = store.Apply(Ev(EventType::kAdded, Obj("a", "1")));
  REQUIRE(c);
  CHECK(c->type == EventType::kAdded);
  CHECK(c->key == "ns/a");
  c = store.Apply(Ev(EventType::kModified, Obj("a", "2")));
  REQUIRE(c);
  CHECK(c->type == EventType::kModified);
  CHECK(ResourceVersionOf(*store.Get("ns/a")) == "2");
  c = store.Apply(Ev(EventType::kDeleted, Obj("a", "3")));
  REQUIRE(c);
  CHECK(c->type == EventType::kDeleted);
  CHECK(store.Get("ns/a") == nullptr);
}

TEST_CASE("RepeatedResourceVersionIsNotAChange") {
  Store store;
  REQUIRE(store.Apply(Ev(EventType::kAdded, Obj("a", "1"))));
  CHECK_FALSE(store.Apply(Ev(EventType::kModified, Obj("a", "1"))));
}

TEST_CASE("AddedForAKnownObjectIsReportedAsModified") {
  // After a watch restart the server may replay ADDED for objects the cache already holds.
  Store store;
  store.Apply(Ev(EventType::kAdded, Obj("a", "1")));
  auto c = store.Apply(Ev(EventType::kAdded, Obj("a", "5")));
  REQUIRE(c);
  CHECK(c->type == EventType::kModified);
}

TEST_CASE("BookmarksAndErrorsDoNotTouchTheCache") {
  Store store;
  CHECK_FALSE(store.Apply(Ev(EventType::kBookmark, Obj("a", "9"))));
  CHECK_FALSE(store.Apply(Ev(EventType::kError, json{{"code", 410}})));
  CHECK(store.size() == 0);
}

TEST_CASE("DeleteOfUnknownObjectIsIgnored") {
  Store store;
  CHECK_FALSE(store.Apply(Ev(EventType::kDeleted, Obj("ghost", "1"))));
}

TEST_CASE("RelistReportsObjectsDeletedDuringTheGapAsDeleted") {
  Store store;
  store.Replace({Obj("a", "1"), Obj("b", "1"), Obj("c", "1")});
  auto changes = store.Replace({Obj("a", "1"), Obj("c", "2"), Obj("d", "1")});
  std::map<std::string, EventType> got;
  for (const auto& c : changes) got[c.key] = c.type;
  CHECK(got.size() == 3);  // a is unchanged and not reported
  CHECK(got["ns/b"] == EventType::kDeleted);
  CHECK(got["ns/c"] == EventType::kModified);
  CHECK(got["ns/d"] == EventType::kAdded);
  CHECK(store.size() == 3);
}

TEST_CASE("ObjectKeyOfClusterScopedObjectHasNoNamespace") {
  CHECK(ObjectKey(json{{"metadata", {{"name", "node-a"}}}}) == "node-a");
  CHECK(ObjectKey(json{{"metadata", json::object()}}).empty());
  CHECK(ObjectKey(json("x")).empty());
}

}  // namespace redispair
