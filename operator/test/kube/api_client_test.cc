// ApiClient against a local plain-HTTP server (TLS is exercised against a real kube-apiserver by
// the integration tests).
#include "kube/api_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "metrics/metrics.h"
#include "test_http_server.h"

namespace redispair::kube {
namespace {

using namespace std::chrono_literals;
using testing::Chunk;
using testing::ChunkedHeader;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestSocket;
using testing::WriteRaw;
using testing::WriteResponse;

using SteadyClock = std::chrono::steady_clock;

ClusterConfig ConfigFor(const TestHttpServer& server) {
  ClusterConfig config;
  config.server = server.url();
  return config;
}

// Answers every request with 200 and a small JSON body naming the target.
bool EchoTarget(const TestRequest& req, TestSocket& socket) {
  WriteResponse(socket, 200, R"({"target":")" + std::string(req.target()) + R"("})");
  return true;
}

std::vector<std::string> CollectWatch(ApiClient& client, const std::string& target,
                                      std::chrono::milliseconds idle, Status* status) {
  std::vector<std::string> lines;
  *status = client.Watch(target, {.idle_timeout = idle}, [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });
  return lines;
}

TEST_CASE("RequestReturnsBodyStatusAndContentType", "[api_client]") {
  TestHttpServer server(EchoTarget);
  ApiClient client(ConfigFor(server), nullptr);
  REQUIRE(client.init_status().ok());
  StatusOr<HttpResponse> r = client.Request("GET", "/api/v1/namespaces/redis?x=1");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->content_type == "application/json");
  CHECK(r->body == R"({"target":"/api/v1/namespaces/redis?x=1"})");
  const TestRequest req = server.received().at(0);
  CHECK(req[boost::beast::http::field::user_agent] == "redispair-operator/0.1");
  CHECK(req[boost::beast::http::field::accept] == "application/json");
  CHECK(req[boost::beast::http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(req[boost::beast::http::field::authorization].empty());
}

TEST_CASE("NonSuccessStatusIsAResponseNotAnError", "[api_client]") {
  TestHttpServer server([](const TestRequest&, TestSocket& socket) {
    WriteResponse(socket, 404, R"({"kind":"Status","reason":"NotFound","code":404})");
    return true;
  });
  ApiClient client(ConfigFor(server), nullptr);
  StatusOr<HttpResponse> r = client.Request("GET", "/api/v1/namespaces/nope");
  REQUIRE(r.ok());
  CHECK(r->status == 404);
}

TEST_CASE("PatchSendsBodyContentTypeAndBearerToken", "[api_client]") {
  TestHttpServer server(EchoTarget);
  ClusterConfig config = ConfigFor(server);
  config.bearer_token = "s3cret\n";
  ApiClient client(config, nullptr);
  RequestOptions opts;
  opts.content_type = "application/apply-patch+yaml";
  StatusOr<HttpResponse> r =
      client.Request("PATCH", "/apis/apps/v1/x?fieldManager=rp", "kind: StatefulSet\n", opts);
  REQUIRE(r.ok());
  const TestRequest req = server.received().at(0);
  CHECK(req.method() == boost::beast::http::verb::patch);
  CHECK(req.body() == "kind: StatefulSet\n");
  CHECK(req[boost::beast::http::field::content_type] == "application/apply-patch+yaml");
  CHECK(req[boost::beast::http::field::authorization] == "Bearer s3cret");
}

TEST_CASE("TokenFileIsReReadWhenItChanges", "[api_client]") {
  TestHttpServer server(EchoTarget);
  char dir_template[] = "/tmp/rp-token-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/token";
  auto write_token = [&](const std::string& token) {
    // Like the kubelet: write a new file and rename it over the old one.
    std::ofstream(dir + "/tmp") << token;
    REQUIRE(std::rename((dir + "/tmp").c_str(), file.c_str()) == 0);
  };
  write_token("first");
  ClusterConfig config = ConfigFor(server);
  config.token_file = file;
  config.bearer_token = "ignored-when-a-file-is-set";
  ApiClient client(config, nullptr);
  REQUIRE(client.Request("GET", "/a").ok());
  write_token("second\n");
  REQUIRE(client.Request("GET", "/b").ok());
  const auto received = server.received();
  CHECK(received.at(0)[boost::beast::http::field::authorization] == "Bearer first");
  CHECK(received.at(1)[boost::beast::http::field::authorization] == "Bearer second");
  std::remove(file.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("ServerPathPrefixIsPrependedToTargets", "[api_client]") {
  TestHttpServer server(EchoTarget);
  ClusterConfig config;
  config.server = server.url() + "/k8s/clusters/c-1/";
  ApiClient client(config, nullptr);
  StatusOr<HttpResponse> r = client.Request("GET", "/version");
  REQUIRE(r.ok());
  CHECK(r->body == R"({"target":"/k8s/clusters/c-1/version"})");
}

TEST_CASE("SequentialRequestsReuseOneKeepAliveConnection", "[api_client]") {
  TestHttpServer server(EchoTarget);
  ApiClient client(ConfigFor(server), nullptr);
  for (int i = 0; i < 10; ++i) {
    StatusOr<HttpResponse> r = client.Request(i % 2 ? "GET" : "PUT", "/n/" + std::to_string(i));
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
  }
  CHECK(server.requests() == 10);
  CHECK(server.connections() == 1);
}

TEST_CASE("ConnectionClosedByServerIsNotReused", "[api_client]") {
  TestHttpServer server([](const TestRequest& req, TestSocket& socket) {
    WriteResponse(socket, 200, std::string(req.target()), "text/plain", /*keep_alive=*/false);
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  for (int i = 0; i < 3; ++i) REQUIRE(client.Request("POST", "/p", "{}").ok());
  CHECK(server.connections() == 3);
}

// The first connection answers one request, then reads the next one and drops the connection
// without a response: what a server closing an idle keep-alive connection looks like when the
// close races with our request.
class DropSecondRequestOnFirstConnection {
 public:
  bool operator()(const TestRequest&, TestSocket& socket) {
    const int n = ++seen_;
    if (n == 2) return false;  // close without answering
    WriteResponse(socket, 200, "{}");
    return true;
  }

 private:
  std::atomic<int> seen_{0};
};

TEST_CASE("IdempotentRequestIsRetriedOnceWhenAReusedConnectionDrops", "[api_client]") {
  DropSecondRequestOnFirstConnection handler;
  TestHttpServer server([&](const TestRequest& r, TestSocket& s) { return handler(r, s); });
  ApiClient client(ConfigFor(server), nullptr);
  REQUIRE(client.Request("GET", "/one").ok());
  StatusOr<HttpResponse> second = client.Request("GET", "/two");
  REQUIRE(second.ok());
  CHECK(second->status == 200);
  CHECK(server.connections() == 2);
  CHECK(server.requests() == 3);
}

TEST_CASE("PostIsNotReplayedWhenAReusedConnectionDropsAfterSending", "[api_client]") {
  DropSecondRequestOnFirstConnection handler;
  TestHttpServer server([&](const TestRequest& r, TestSocket& s) { return handler(r, s); });
  ApiClient client(ConfigFor(server), nullptr);
  REQUIRE(client.Request("GET", "/one").ok());
  StatusOr<HttpResponse> second = client.Request("POST", "/create", "{}");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Status::Code::kUnavailable);
  CHECK(server.requests() == 2);
}

TEST_CASE("ConnectionRefusedIsUnavailable", "[api_client]") {
  uint16_t port = 0;
  {
    TestHttpServer server(EchoTarget);
    port = server.port();
  }  // closed: nothing listens on `port` any more
  ClusterConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  ApiClient client(config, nullptr);
  StatusOr<HttpResponse> r = client.Request("GET", "/version");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("GET /version"));
}

TEST_CASE("RequestTimeoutIsUnavailable", "[api_client]") {
  TestHttpServer server([&](const TestRequest&, TestSocket&) {
    server.WaitForStop(10s);
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  RequestOptions opts;
  opts.timeout = 200ms;
  const auto start = SteadyClock::now();
  StatusOr<HttpResponse> r = client.Request("GET", "/slow", {}, opts);
  const auto elapsed = SteadyClock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("timed out"));
  CHECK(elapsed >= 190ms);
  CHECK(elapsed < 2s);
}

TEST_CASE("BadServerUrlFailsEveryCall", "[api_client]") {
  ClusterConfig config;
  config.server = "ftp://example";
  ApiClient client(config, nullptr);
  CHECK(client.init_status().code() == Status::Code::kInvalidArgument);
  CHECK(client.Request("GET", "/version").status().code() == Status::Code::kInvalidArgument);
}

TEST_CASE("BadCaPemFailsWithClearError", "[api_client]") {
  ClusterConfig config;
  config.server = "https://127.0.0.1:6443";
  config.ca_pem = "not a certificate";
  ApiClient client(config, nullptr);
  CHECK(client.init_status().code() == Status::Code::kInvalidArgument);
  CHECK_THAT(client.init_status().message(), Catch::Contains("certificate authority"));
}

TEST_CASE("WatchLinesSplitAcrossChunkBoundaries", "[api_client][watch]") {
  TestHttpServer server([](const TestRequest&, TestSocket& socket) {
    WriteRaw(socket, ChunkedHeader());
    // Lines split mid-token, several lines in one chunk, CRLF endings, a blank line.
    const char* pieces[] = {R"({"type":"ADD)",
                            R"(ED","n":1})"
                            "\n"
                            R"({"type":"MODIFIED")",
                            R"(,"n":2})"
                            "\r\n\n"
                            R"({"type":"DELETED","n":3})"
                            "\n",
                            "\n"};
    for (const char* piece : pieces) {
      WriteRaw(socket, Chunk(piece));
      std::this_thread::sleep_for(20ms);  // make them separate reads on the client
    }
    WriteRaw(socket, "0\r\n\r\n");
    return true;
  });
  ApiClient client(ConfigFor(server), nullptr);
  Status status;
  const auto lines = CollectWatch(client, "/api/v1/pods?watch=1", 5s, &status);
  CHECK(status.ok());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == R"({"type":"ADDED","n":1})");
  CHECK(lines[1] == R"({"type":"MODIFIED","n":2})");
  CHECK(lines[2] == R"({"type":"DELETED","n":3})");
  // The stream ended cleanly, so the connection goes back to the pool.
  REQUIRE(client.Request("GET", "/after").ok());
  CHECK(server.connections() == 1);
}

TEST_CASE("WatchWithHttp410IsGone", "[api_client][watch]") {
  TestHttpServer server([](const TestRequest&, TestSocket& socket) {
    WriteResponse(socket, 410,
                  R"json({"kind":"Status","status":"Failure","reason":"Expired",)json"
                  R"json("message":"too old resource version: 1 (42)","code":410})json");
    return true;
  });
  ApiClient client(ConfigFor(server), nullptr);
  bool opened = false;
  Status status =
      client.Watch("/api/v1/pods?watch=1&resourceVersion=1", {.on_open = [&] { opened = true; }},
                   [](std::string_view) { return true; });
  CHECK(status.IsGone());
  CHECK_FALSE(opened);  // only a 200 opens a watch
  CHECK_THAT(status.message(), Catch::Contains("too old resource version"));
}

TEST_CASE("WatchWithHttp403IsPermissionDeniedWithServerMessage", "[api_client][watch]") {
  TestHttpServer server([](const TestRequest&, TestSocket& socket) {
    WriteResponse(socket, 403,
                  R"({"kind":"Status","reason":"Forbidden","message":"pods is forbidden"})");
    return true;
  });
  ApiClient client(ConfigFor(server), nullptr);
  Status status;
  CollectWatch(client, "/api/v1/pods?watch=1", 5s, &status);
  CHECK(status.code() == Status::Code::kPermissionDenied);
  CHECK_THAT(status.message(), Catch::Contains("pods is forbidden"));
}

TEST_CASE("WatchIdleTimeoutIsUnavailable", "[api_client][watch]") {
  TestHttpServer server([&](const TestRequest&, TestSocket& socket) {
    WriteRaw(socket, ChunkedHeader() + Chunk("{\"n\":1}\n"));
    server.WaitForStop(10s);  // then silence
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  const auto start = SteadyClock::now();
  Status status;
  const auto lines = CollectWatch(client, "/api/v1/pods?watch=1", 300ms, &status);
  const auto elapsed = SteadyClock::now() - start;
  CHECK(lines.size() == 1);
  CHECK(status.code() == Status::Code::kUnavailable);
  CHECK_THAT(status.message(), Catch::Contains("no data for 300 ms"));
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 2s);
}

TEST_CASE("WatchOpenTimeoutBoundsAServerThatAcceptsButNeverAnswers", "[api_client][watch]") {
  TestHttpServer server([&](const TestRequest&, TestSocket&) {
    server.WaitForStop(10s);  // the request was read; no header ever comes
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  bool opened = false;
  const auto start = SteadyClock::now();
  Status status =
      client.Watch("/api/v1/pods?watch=1",
                   {.open_timeout = 300ms, .idle_timeout = 60s, .on_open = [&] { opened = true; }},
                   [](std::string_view) { return true; });
  const auto elapsed = SteadyClock::now() - start;
  CHECK(status.code() == Status::Code::kUnavailable);
  CHECK_THAT(status.message(), Catch::Contains("timed out after 300 ms"));
  CHECK_FALSE(opened);
  CHECK(elapsed >= 290ms);
  CHECK(elapsed < 2s);  // not the 60 s idle timeout
}

TEST_CASE("WatchOpenTimeoutDoesNotBoundTheStream", "[api_client][watch]") {
  TestHttpServer server([&](const TestRequest&, TestSocket& socket) {
    WriteRaw(socket, ChunkedHeader());
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(300ms);  // each gap longer than the open timeout
      WriteRaw(socket, Chunk("{\"n\":" + std::to_string(i) + "}\n"));
    }
    WriteRaw(socket, "0\r\n\r\n");
    return true;
  });
  ApiClient client(ConfigFor(server), nullptr);
  std::vector<std::string> seen;
  Status status = client.Watch(
      "/api/v1/pods?watch=1",
      {.open_timeout = 200ms, .idle_timeout = 5s, .on_open = [&] { seen.emplace_back("open"); }},
      [&](std::string_view line) {
        seen.emplace_back(line);
        return true;
      });
  CHECK(status.ok());
  CHECK(seen == std::vector<std::string>{"open", "{\"n\":0}", "{\"n\":1}", "{\"n\":2}"});
}

TEST_CASE("WatchBoundsLeaveRoomForBookmarksAndStayWithinNinetySeconds", "[api_client][watch]") {
  // A healthy watch hears a bookmark every ~62 s; a dead one must be found, and replaced or
  // reported, within 90 s (issue 12).
  CHECK(kWatchIdleTimeout >= kBookmarkInterval + 10s);
  CHECK(kWatchLivenessBound <= 90s);
  CHECK(WatchStreamOptions{}.idle_timeout == kWatchIdleTimeout);
  CHECK(WatchStreamOptions{}.open_timeout == kWatchOpenTimeout);
}

TEST_CASE("WatchStopsWhenCallbackReturnsFalse", "[api_client][watch]") {
  TestHttpServer server([&](const TestRequest&, TestSocket& socket) {
    WriteRaw(socket, ChunkedHeader() + Chunk("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n"));
    server.WaitForStop(10s);
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  int calls = 0;
  Status status = client.Watch("/api/v1/pods?watch=1", {.idle_timeout = 5s}, [&](std::string_view) {
    ++calls;
    return calls < 2;
  });
  CHECK(status.IsCancelled());
  CHECK(calls == 2);
}

TEST_CASE("ShutdownInterruptsABlockedWatchPromptly", "[api_client][watch]") {
  std::atomic<bool> streaming{false};
  TestHttpServer server([&](const TestRequest&, TestSocket& socket) {
    WriteRaw(socket, ChunkedHeader() + Chunk("{\"n\":1}\n"));
    streaming = true;
    server.WaitForStop(30s);
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  Status status;
  std::atomic<bool> returned{false};
  std::thread watcher([&] {
    status = client.Watch("/api/v1/pods?watch=1", {.idle_timeout = 60s},
                          [](std::string_view) { return true; });
    returned = true;
  });
  while (!streaming) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(100ms);  // let the watcher block in its read
  CHECK_FALSE(returned);
  const auto start = SteadyClock::now();
  client.Shutdown();
  watcher.join();
  CHECK(SteadyClock::now() - start < 1s);
  CHECK(status.IsCancelled());
  CHECK(client.Request("GET", "/later").status().IsCancelled());
}

TEST_CASE("ShutdownInterruptsARequestWaitingForAResponse", "[api_client]") {
  std::atomic<bool> got_request{false};
  TestHttpServer server([&](const TestRequest&, TestSocket&) {
    got_request = true;
    server.WaitForStop(30s);
    return false;
  });
  ApiClient client(ConfigFor(server), nullptr);
  Status status;
  std::thread caller([&] { status = client.Request("GET", "/slow").status(); });
  while (!got_request) std::this_thread::sleep_for(5ms);
  const auto start = SteadyClock::now();
  client.Shutdown();
  caller.join();
  CHECK(SteadyClock::now() - start < 1s);
  CHECK(status.IsCancelled());
}

TEST_CASE("RequestsAndWatchesAreCountedInMetrics", "[api_client][metrics]") {
  TestHttpServer server([](const TestRequest& req, TestSocket& socket) {
    if (req.target().find("watch=1") != std::string::npos) {
      WriteRaw(socket, ChunkedHeader() + Chunk("{}\n") + "0\r\n\r\n");
    } else if (req.method() == boost::beast::http::verb::delete_) {
      WriteResponse(socket, 404, "{}");
    } else {
      WriteResponse(socket, 200, "{}");
    }
    return true;
  });
  Metrics metrics;
  ApiClient client(ConfigFor(server), &metrics);
  CHECK(metrics.Render().find("redispair_api_write_requests_total 0\n") != std::string::npos);
  for (int i = 0; i < 3; ++i) REQUIRE(client.Request("GET", "/g").ok());
  REQUIRE(client.Request("PATCH", "/p", "{}").ok());
  REQUIRE(client.Request("DELETE", "/d").ok());
  REQUIRE(client.Watch("/w?watch=1", {}, [](std::string_view) { return true; }).ok());

  CHECK(metrics.Get("redispair_api_requests_total", {{"method", "GET"}, {"code", "200"}}) == 3);
  CHECK(metrics.Get("redispair_api_requests_total", {{"method", "PATCH"}, {"code", "200"}}) == 1);
  CHECK(metrics.Get("redispair_api_requests_total", {{"method", "DELETE"}, {"code", "404"}}) == 1);
  CHECK(metrics.Get("redispair_api_requests_total", {{"method", "WATCH"}, {"code", "200"}}) == 1);
  CHECK(metrics.Get("redispair_api_write_requests_total") == 2);
  CHECK(metrics.Get("redispair_api_request_duration_seconds", {{"method", "GET"}}) == 3);

  ClusterConfig dead;
  dead.server = "http://127.0.0.1:1";
  ApiClient failing(dead, &metrics);
  REQUIRE_FALSE(failing.Request("POST", "/x", "{}").ok());
  CHECK(metrics.Get("redispair_api_requests_total", {{"method", "POST"}, {"code", "error"}}) == 1);
  CHECK(metrics.Get("redispair_api_write_requests_total") == 3);
}

TEST_CASE("ConcurrentRequestsFromManyThreadsAllSucceed", "[api_client]") {
  TestHttpServer server(EchoTarget);
  ApiClient client(ConfigFor(server), nullptr);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        StatusOr<HttpResponse> r =
            client.Request("GET", "/t" + std::to_string(t) + "/" + std::to_string(i));
        if (r.ok() && r->status == 200 &&
            r->body == R"({"target":"/t)" + std::to_string(t) + "/" + std::to_string(i) + "\"}") {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(ok == 100);
  CHECK(server.connections() <= 4);
}

}  // namespace
}  // namespace redispair::kube
