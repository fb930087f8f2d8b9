// The Informer's list/watch loop against the in-process HTTP server (test/kube), which plays a
// scripted API server: relists after 410 and after a malformed line, an expired continue token,
// bookmarks, a silent connection, watches that end at once, and the transform.
#include "informer/informer.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/api_client.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "test_http_server.h"

namespace redispair {
namespace {

using namespace std::chrono_literals;
using kube::testing::Chunk;
using kube::testing::ChunkedHeader;
using kube::testing::TestHttpServer;
using kube::testing::TestRequest;
using kube::testing::TestSocket;
using kube::testing::WriteRaw;
using kube::testing::WriteResponse;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

json Pod(const std::string& name, const std::string& rv) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

std::string ListBody(const std::string& rv, const std::vector<json>& items,
                     const std::string& cont = "") {
  return json{{"apiVersion", "v1"},
              {"kind", "PodList"},
              {"metadata", {{"resourceVersion", rv}, {"continue", cont}}},
              {"items", items}}
      .dump();
}

std::string Event(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

std::string Bookmark(const std::string& rv) {
  return Event("BOOKMARK", {{"kind", "Pod"}, {"metadata", {{"resourceVersion", rv}}}});
}

std::string Expired() {
  return R"({"kind":"Status","status":"Failure","reason":"Expired","code":410,)"
         R"("message":"too old resource version"})";
}

bool IsWatch(const TestRequest& req) {
  return std::string(req.target()).find("watch=1") != std::string::npos;
}

// The value of query parameter `name` in the request's target, or "".
std::string Param(const TestRequest& req, const std::string& name) {
  const std::string target(req.target());
  size_t at = target.find("?" + name + "=");
  if (at == std::string::npos) at = target.find("&" + name + "=");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 2;
  return target.substr(start, target.find('&', start) - start);
}

// Answers a watch with the header and `lines`, then keeps the stream open and silent until the
// server stops.
bool StreamThenHang(TestSocket& socket, TestHttpServer& server, const std::string& lines = "") {
  WriteRaw(socket, ChunkedHeader() + (lines.empty() ? "" : Chunk(lines)));
  server.WaitForStop(30s);
  return false;
}

// An informer of pods in "ns", started against a server that answers with `handler`.
class Fixture {
 public:
  using Handler = std::function<bool(const TestRequest&, TestSocket&, TestHttpServer&)>;

  explicit Fixture(Handler handler, InformerOptions options = {})
      : handler_(std::move(handler)),
        server_([this](const TestRequest& req, TestSocket& socket) {
          return handler_(req, socket, server_);
        }),
        api_(ConfigFor(server_), nullptr),
        kube_(kube::NewKubeClient(&api_)),
        informer_(
            kube_.get(), kube::kPods, WithNamespace(std::move(options)),
            [this](const StoreChange& c) { Record(c); }, &metrics_) {
    informer_.Start();
  }
  ~Fixture() {
    informer_.Stop();
    api_.Shutdown();  // ends a blocked watch; the informer's thread is joined next
  }

  Informer& informer() { return informer_; }
  Metrics& metrics() { return metrics_; }
  TestHttpServer& server() { return server_; }

  // "ADDED ns/a", ... in the order the handler saw them.
  std::vector<std::string> changes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return changes_;
  }

  double Restarts(const std::string& reason) const {
    return metrics_.Get("redispair_watch_restarts_total",
                        {{"resource", "pods"}, {"reason", reason}});
  }

 private:
  static kube::ClusterConfig ConfigFor(const TestHttpServer& server) {
    kube::ClusterConfig config;
    config.server = server.url();
    return config;
  }
  static InformerOptions WithNamespace(InformerOptions options) {
    options.namespace_ = "ns";
    return options;
  }
  void Record(const StoreChange& c) {
    static const char* kNames[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
    std::lock_guard<std::mutex> lock(mu_);
    changes_.push_back(std::string(kNames[static_cast<int>(c.type)]) + " " + c.key);
  }

  Handler handler_;
  Metrics metrics_;
  mutable std::mutex mu_;
  std::vector<std::string> changes_;
  TestHttpServer server_;
  kube::ApiClient api_;
  std::unique_ptr<kube::KubeClient> kube_;
  Informer informer_;
};

// Polls `done` every 5 ms for up to `timeout`; returns its last answer.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST_CASE("Watch410RelistsAndReportsObjectsMissingFromTheRelistAsDeleted", "[informer]") {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  std::vector<std::string> watch_versions;  // written by the server's threads one at a time
  Fixture f([&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
    if (!IsWatch(req)) {
      const bool first = ++lists == 1;
      WriteResponse(socket, 200,
                    first ? ListBody("10", {Pod("a", "1"), Pod("b", "2")})
                          : ListBody("20", {Pod("a", "1")}));  // b was deleted during the gap
      return true;
    }
    watch_versions.push_back(Param(req, "resourceVersion"));
    if (++watches == 1) {
      WriteResponse(socket, 410, Expired());
      return true;
    }
    return StreamThenHang(socket, server);
  });
  REQUIRE(Eventually([&] { return watches >= 2; }));
  CHECK(lists == 2);
  CHECK(f.changes() == std::vector<std::string>{"ADDED ns/a", "ADDED ns/b", "DELETED ns/b"});
  CHECK(f.informer().Get("ns/b") == nullptr);
  CHECK(watch_versions == std::vector<std::string>{"10", "20"});
  CHECK(f.Restarts("gone") == 1);
}

TEST_CASE("AnExpiredContinueTokenMidListRestartsTheList", "[informer]") {
  // Regression test for 4dc030a: the relist after a 410 meets an expired continue token on its
  // second page. The list must start over, not end empty (which reported everything deleted).
  std::atomic<int> watches{0};
  std::atomic<int> continued{0};
  std::vector<std::string> list_continues;
  Fixture f([&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
    if (!IsWatch(req)) {
      const std::string cont = Param(req, "continue");
      list_continues.push_back(cont);
      if (list_continues.size() == 1) {
        WriteResponse(socket, 200, ListBody("10", {Pod("a", "1"), Pod("b", "2")}));
      } else if (cont.empty()) {
        WriteResponse(socket, 200,
                      ListBody("", {Pod("a", "1")}, "c" + std::to_string(++continued)));
      } else if (cont == "c1") {
        WriteResponse(socket, 410, Expired());  // the first token expired
      } else {
        WriteResponse(socket, 200, ListBody("20", {Pod("b", "2")}));
      }
      return true;
    }
    if (++watches == 1) {
      WriteResponse(socket, 410, Expired());
      return true;
    }
    return StreamThenHang(socket, server);
  });
  REQUIRE(Eventually([&] { return watches >= 2; }));
  CHECK(list_continues == std::vector<std::string>{"", "", "c1", "", "c2"});
  CHECK(f.changes() == std::vector<std::string>{"ADDED ns/a", "ADDED ns/b"});
  CHECK(f.informer().List().size() == 2);
  CHECK(f.metrics().Get("redispair_informer_lists_total", {{"resource", "pods"}}) == 2);
}

TEST_CASE("ABookmarkAdvancesTheResourceVersionOnly", "[informer]") {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  std::vector<std::string> watch_versions;
  Fixture f([&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
    if (!IsWatch(req)) {
      ++lists;
      WriteResponse(socket, 200, ListBody("10", {Pod("a", "5")}));
      return true;
    }
    watch_versions.push_back(Param(req, "resourceVersion"));
    if (++watches == 1) {
      // A bookmark, then the server ends the watch normally (its timeout).
      WriteRaw(socket, ChunkedHeader() + Chunk(Bookmark("15")) + "0\r\n\r\n");
      return true;
    }
    return StreamThenHang(socket, server);
  });
  REQUIRE(Eventually([&] { return watches >= 2; }));
  CHECK(watch_versions == std::vector<std::string>{"10", "15"});
  CHECK(lists == 1);                                             // resumed, not relisted
  CHECK(f.changes() == std::vector<std::string>{"ADDED ns/a"});  // nothing stored
  CHECK((*f.informer().Get("ns/a"))["metadata"]["resourceVersion"] == "5");
  CHECK(f.metrics().Get("redispair_watch_events_total",
                        {{"resource", "pods"}, {"type", "BOOKMARK"}}) == 1);
}

TEST_CASE("AMalformedWatchLineRelists", "[informer]") {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  Fixture f([&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
    if (!IsWatch(req)) {
      const bool first = ++lists == 1;
      WriteResponse(socket, 200,
                    first ? ListBody("10", {Pod("a", "1")})
                          : ListBody("12", {Pod("a", "1"), Pod("c", "11")}));
      return true;
    }
    if (++watches == 1) return StreamThenHang(socket, server, "{\"type\":\"ADDED\",\"obj\n");
    return StreamThenHang(socket, server);
  });
  REQUIRE(Eventually([&] { return watches >= 2; }));
  CHECK(lists == 2);
  // The event that the broken line may have carried (c) arrives with the relist.
  CHECK(f.changes() == std::vector<std::string>{"ADDED ns/a", "ADDED ns/c"});
  CHECK(f.Restarts("gone") == 1);
}

TEST_CASE("ASilentWatchIsDetectedByTheIdleTimeoutAndLivenessFollows", "[informer]") {
  std::atomic<int> lists{0};
  std::atomic<int> watches{0};
  std::atomic<SteadyClock::rep> first_opened{0};
  std::atomic<SteadyClock::rep> second_asked{0};
  InformerOptions options;
  options.watch_idle_timeout = 300ms;  // instead of 75 s
  options.watch_open_timeout = 200ms;  // instead of 15 s: Liveness' bound is their sum
  Fixture f(
      [&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
        if (!IsWatch(req)) {
          ++lists;
          WriteResponse(socket, 200, ListBody("10", {Pod("a", "1")}));
          return true;
        }
        const int n = ++watches;
        if (n == 1) {
          first_opened = SteadyClock::now().time_since_epoch().count();
          return StreamThenHang(socket, server);  // a header, then silence: a dead connection
        }
        if (n == 2) second_asked = SteadyClock::now().time_since_epoch().count();
        // A healthy watch: a bookmark every 100 ms until the test ends.
        WriteRaw(socket, ChunkedHeader());
        while (!server.WaitForStop(100ms)) WriteRaw(socket, Chunk(Bookmark("10")));
        return false;
      },
      options);
  REQUIRE(Eventually([&] { return f.informer().Liveness().ok(); }));
  // The silent watch is given up after the idle timeout; from 500 ms of silence until the next
  // watch is open (after a backoff of 0.8 to 1.6 s), the informer is not live, and says why.
  std::string why;
  REQUIRE(Eventually([&] {
    why = f.informer().Liveness().message();
    return why.find("no data for 300 ms") != std::string::npos;
  }));
  CHECK_THAT(why, Catch::StartsWith("pods: no live watch for "));
  REQUIRE(Eventually([&] { return watches >= 2 && f.informer().Liveness().ok(); }));
  const auto gap = SteadyClock::duration(second_asked - first_opened);
  CHECK(gap >= 300ms + 800ms);  // idle timeout, then the backoff
  CHECK(gap < 300ms + 1600ms + 1s);
  CHECK(f.Restarts("idle") == 1);
  CHECK(lists == 1);  // the watch resumed from its resourceVersion
  // The healthy watch's bookmarks keep it alive well past both bounds.
  std::this_thread::sleep_for(900ms);
  CHECK(f.informer().Liveness().ok());
  CHECK(watches == 2);
}

TEST_CASE("AnAcceptedWatchIsASignOfLifeBeforeItsFirstEvent", "[informer]") {
  // Every watch is accepted and then stays silent, so each ends on the idle timeout. The informer
  // must count the next watch's acceptance as live at once, not wait for its first bookmark.
  std::atomic<int> watches{0};
  InformerOptions options;
  options.watch_idle_timeout = 1200ms;
  options.watch_open_timeout = 300ms;  // Liveness' bound: 1.5 s
  Fixture f(
      [&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
        if (!IsWatch(req)) {
          WriteResponse(socket, 200, ListBody("10", {Pod("a", "1")}));
          return true;
        }
        ++watches;
        return StreamThenHang(socket, server);
      },
      options);
  // The second watch opens 2.0 to 2.8 s after the list: past the bound, had only data counted.
  REQUIRE(Eventually([&] { return watches >= 2; }));
  std::this_thread::sleep_for(100ms);
  CHECK(f.informer().Liveness().ok());
  CHECK(f.Restarts("idle") == 1);
}

TEST_CASE("AWatchThatEndsAtOnceBacksOffInsteadOfSpinning", "[informer]") {
  struct Case {
    const char* name;
    std::function<bool(TestSocket&)> answer;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"an empty 200",
       [](TestSocket& socket) {
         WriteResponse(socket, 200, "");
         return true;
       },
       "short"},
      {"the connection closed without an answer", [](TestSocket&) { return false; }, "error"},
      {"a 410 every time (relist, watch, 410, ...)",
       [](TestSocket& socket) {
         WriteResponse(socket, 410, Expired());
         return true;
       },
       "gone"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::mutex mu;
    std::vector<SteadyClock::time_point> asked;
    Fixture f([&](const TestRequest& req, TestSocket& socket, TestHttpServer&) {
      if (!IsWatch(req)) {
        // Not kept alive: a watch on a reused connection that drops is retried once at once
        // (api_client.h), which would blur the count.
        WriteResponse(socket, 200, ListBody("10", {Pod("a", "1")}), "application/json", false);
        return false;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        asked.push_back(SteadyClock::now());
      }
      return c.answer(socket);
    });
    std::this_thread::sleep_for(2500ms);
    std::lock_guard<std::mutex> lock(mu);
    // Waits of 0.8-1.6 s, then 1.6-3.2 s: at most three watches in 2.5 s (a spinning loop makes
    // thousands).
    CHECK(asked.size() >= 2);
    CHECK(asked.size() <= 3);
    for (size_t i = 1; i < asked.size(); ++i) CHECK(asked[i] - asked[i - 1] >= 800ms);
    CHECK(f.Restarts(c.reason) >= 1);
  }
}

TEST_CASE("EveryObjectIsTransformedBeforeItIsStored", "[informer]") {
  std::atomic<int> watches{0};
  auto with_extras = [](const std::string& name, const std::string& rv) {
    json pod = Pod(name, rv);
    pod["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}}});
    pod["spec"] = {{"nodeName", "node-a"}, {"containers", json::array({{{"name", "redis"}}})}};
    return pod;
  };
  InformerOptions options;
  options.transform = [](json* pod) { (*pod)["spec"].erase("containers"); };
  Fixture f(
      [&](const TestRequest& req, TestSocket& socket, TestHttpServer& server) {
        if (!IsWatch(req)) {
          WriteResponse(socket, 200, ListBody("10", {with_extras("a", "1")}));
          return true;
        }
        ++watches;
        return StreamThenHang(socket, server, Event("ADDED", with_extras("b", "11")));
      },
      options);
  REQUIRE(Eventually([&] { return f.informer().Get("ns/b") != nullptr; }));
  for (const char* key : {"ns/a", "ns/b"}) {
    CAPTURE(key);
    const json& pod = *f.informer().Get(key);
    CHECK_FALSE(pod["metadata"].contains("managedFields"));  // always dropped
    CHECK(pod["spec"] == json{{"nodeName", "node-a"}});      // the transform's work
  }
}

TEST_CASE("LivenessIsFalseUntilSyncedAndNamesTheLastError", "[informer]") {
  Fixture f([](const TestRequest&, TestSocket& socket, TestHttpServer&) {
    WriteResponse(socket, 403, R"({"kind":"Status","reason":"Forbidden","message":"no"})");
    return true;
  });
  REQUIRE(Eventually([&] { return f.server().requests() >= 1; }));
  REQUIRE(Eventually(
      [&] { return f.informer().Liveness().message().find("Forbidden") != std::string::npos; }));
  CHECK_FALSE(f.informer().HasSynced());
  CHECK_THAT(f.informer().Liveness().message(), Catch::StartsWith("pods: not synced yet"));
}

}  // namespace
}  // namespace redispair
