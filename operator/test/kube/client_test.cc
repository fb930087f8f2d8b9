// The typed KubeClient over ApiClient, against the in-process HTTP server: the paths, queries and
// bodies it sends, and the Status each HTTP answer becomes.
#include "kube/client.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "kube/api_client.h"
#include "test_http_server.h"

namespace redispair::kube {
namespace {

using nlohmann::json;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestSocket;
using testing::WriteResponse;
namespace http = boost::beast::http;

struct Answer {
  int status = 200;
  std::string body = "{}";
};

// A server that gives every request the same answer, and a KubeClient talking to it.
class Fixture {
 public:
  explicit Fixture(Answer answer = {})
      : answer_(std::move(answer)),
        server_([this](const TestRequest&, TestSocket& socket) {
          WriteResponse(socket, answer_.status, answer_.body);
          return true;
        }),
        api_(ConfigFor(server_), nullptr),
        client_(NewKubeClient(&api_)) {}

  KubeClient& client() { return *client_; }
  TestHttpServer& server() { return server_; }
  // The only request received; fails the test when there was not exactly one.
  TestRequest Only() {
    std::vector<TestRequest> all = server_.received();
    REQUIRE(all.size() == 1);
    return all[0];
  }

 private:
  static ClusterConfig ConfigFor(const TestHttpServer& server) {
    ClusterConfig config;
    config.server = server.url();
    return config;
  }

  Answer answer_;
  TestHttpServer server_;
  ApiClient api_;
  std::unique_ptr<KubeClient> client_;
};

std::string ApiStatus(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"message", message}, {"code", code}}
      .dump();
}

json Service(const std::string& ns, const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", {{"type", "NodePort"}}}};
}

TEST_CASE("GetReadsTheObjectAtItsPath", "[client]") {
  Fixture f({200, R"({"kind":"Pod","metadata":{"name":"p"}})"});
  StatusOr<json> pod = f.client().Get(kPods, "redis", "p");
  REQUIRE(pod.ok());
  CHECK((*pod)["kind"] == "Pod");
  const TestRequest req = f.Only();
  CHECK(req.method() == http::verb::get);
  CHECK(req.target() == "/api/v1/namespaces/redis/pods/p");
}

TEST_CASE("HttpAnswersAreMappedToStatusCodesOnce", "[client]") {
  using C = Status::Code;
  struct Case {
    int http;
    std::string reason;
    C code;
  };
  const std::vector<Case> cases = {
      {404, "NotFound", C::kNotFound},
      {409, "AlreadyExists", C::kAlreadyExists},
      {409, "Conflict", C::kConflict},
      {403, "Forbidden", C::kPermissionDenied},
      {422, "Invalid", C::kInvalidArgument},
      {410, "Gone", C::kGone},
      {503, "ServiceUnavailable", C::kUnavailable},
  };
  for (const Case& c : cases) {
    CAPTURE(c.http, c.reason);
    Fixture f({c.http, ApiStatus(c.http, c.reason, "the server's words")});
    StatusOr<json> got = f.client().Get(kStatefulSets, "redis", "redis-master");
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == c.code);
    CHECK(got.status().message() == "get statefulsets redis/redis-master: HTTP " +
                                        std::to_string(c.http) + " " + c.reason +
                                        ": the server's words");
  }
}

TEST_CASE("ApplyIsAForcedServerSidePatchAtTheObjectsPath", "[client]") {
  Fixture f({200, Service("redis", "redis-master").dump()});
  const json object = Service("redis", "redis-master");
  StatusOr<json> applied =
      f.client().Apply(kServices, object, {.field_manager = "redispair-operator", .force = true});
  REQUIRE(applied.ok());
  const TestRequest req = f.Only();
  CHECK(req.method() == http::verb::patch);
  CHECK(
      req.target() ==
      "/api/v1/namespaces/redis/services/redis-master?fieldManager=redispair-operator&force=true");
  CHECK(req[http::field::content_type] == "application/apply-patch+yaml");
  CHECK(json::parse(req.body()) == object);
}

TEST_CASE("ApplyStatusPatchesTheStatusSubresource", "[client]") {
  Fixture f;
  const Resource pairs{"redispair.io", "v1alpha1", "redispairs", true};
  json object = {{"apiVersion", "redispair.io/v1alpha1"},
                 {"kind", "RedisPair"},
                 {"metadata", {{"namespace", "redis"}, {"name", "redis"}}},
                 {"status", {{"observedGeneration", 2}}}};
  REQUIRE(f.client().ApplyStatus(pairs, object, {.field_manager = "m"}).ok());
  CHECK(f.Only().target() ==
        "/apis/redispair.io/v1alpha1/namespaces/redis/redispairs/redis/status?fieldManager=m");
}

TEST_CASE("ApplyWithoutANameOrFieldManagerIsRefusedBeforeAnyRequest", "[client]") {
  Fixture f;
  json nameless = Service("redis", "");
  CHECK(f.client().Apply(kServices, nameless, {.field_manager = "m"}).status().code() ==
        Status::Code::kInvalidArgument);
  json no_namespace = Service("", "x");
  CHECK(f.client().Apply(kServices, no_namespace, {.field_manager = "m"}).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(f.client().Apply(kServices, json::array(), {.field_manager = "m"}).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(f.client().Apply(kServices, Service("redis", "x"), {}).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(f.server().requests() == 0);
}

TEST_CASE("CreatePostsToTheCollectionAndReportsAlreadyExists", "[client]") {
  Fixture created({201, R"({"metadata":{"resourceVersion":"7"}})"});
  StatusOr<json> obj = created.client().Create(kSecrets, Service("redis", "redis-auth"));
  REQUIRE(obj.ok());
  CHECK((*obj)["metadata"]["resourceVersion"] == "7");
  const TestRequest req = created.Only();
  CHECK(req.method() == http::verb::post);
  CHECK(req.target() == "/api/v1/namespaces/redis/secrets");
  CHECK(req[http::field::content_type] == "application/json");

  Fixture exists({409, ApiStatus(409, "AlreadyExists", "secrets \"redis-auth\" already exists")});
  CHECK(exists.client().Create(kSecrets, Service("redis", "redis-auth")).status().code() ==
        Status::Code::kAlreadyExists);
}

TEST_CASE("DeleteSendsPropagationPolicyAndPreconditions", "[client]") {
  Fixture f({200, R"({"kind":"Status","status":"Success"})"});
  REQUIRE(f.client()
              .Delete(kCronJobs, "redis", "redis-info",
                      {.propagation_policy = "Background", .precondition_uid = "u-1"})
              .ok());
  const TestRequest req = f.Only();
  CHECK(req.method() == http::verb::delete_);
  CHECK(req.target() == "/apis/batch/v1/namespaces/redis/cronjobs/redis-info");
  CHECK(json::parse(req.body()) ==
        json{{"propagationPolicy", "Background"}, {"preconditions", {{"uid", "u-1"}}}});
}

TEST_CASE("DeleteWithDefaultOptionsSendsNoBody", "[client]") {
  Fixture f({202, "{}"});
  REQUIRE(f.client().Delete(kPods, "redis", "p", {}).ok());
  CHECK(f.Only().body().empty());
}

TEST_CASE("IgnoreNotFoundTurnsOnlyNotFoundIntoOk", "[client]") {
  Fixture gone({404, ApiStatus(404, "NotFound", "pods \"p\" not found")});
  Status s = gone.client().Delete(kPods, "redis", "p", {});
  CHECK(s.IsNotFound());
  CHECK(IgnoreNotFound(s).ok());
  CHECK(IgnoreNotFound(Status::Conflict("x")).code() == Status::Code::kConflict);
  CHECK(IgnoreNotFound(Status::Ok()).ok());
}

TEST_CASE("ListSendsPagingAndSelectorAsAQuery", "[client]") {
  Fixture f({200, R"({"kind":"PodList","items":[],"metadata":{"resourceVersion":"9"}})"});
  StatusOr<json> page = f.client().List(
      kPods, "redis",
      {.label_selector = "app.kubernetes.io/managed-by=x", .limit = 500, .continue_token = "c/1"});
  REQUIRE(page.ok());
  CHECK((*page)["metadata"]["resourceVersion"] == "9");
  CHECK(f.Only().target() ==
        "/api/v1/namespaces/redis/pods?limit=500&labelSelector=app.kubernetes.io%2Fmanaged-by%3Dx"
        "&continue=c%2F1");
}

TEST_CASE("ListOfAnExpiredContinueTokenIsGone", "[client]") {
  Fixture f({410, ApiStatus(410, "Expired", "the continue token is too old")});
  CHECK(f.client().List(kPods, "", {.continue_token = "old"}).status().IsGone());
}

TEST_CASE("WatchAsksForBookmarksFromAVersionAndDeliversLines", "[client]") {
  Fixture f({200, "{\"type\":\"ADDED\"}\n{\"type\":\"BOOKMARK\"}\n"});
  std::vector<std::string> lines;
  Status s = f.client().Watch(kServices, "redis",
                              {.resource_version = "42",
                               .label_selector = "a=b",
                               .timeout_seconds = 300,
                               .idle_timeout = std::chrono::seconds(5),
                               .on_open = [&] { lines.emplace_back("(open)"); }},
                              [&](std::string_view line) {
                                lines.emplace_back(line);
                                return true;
                              });
  CHECK(s.ok());
  CHECK(lines ==
        std::vector<std::string>{"(open)", R"({"type":"ADDED"})", R"({"type":"BOOKMARK"})"});
  CHECK(f.Only().target() ==
        "/api/v1/namespaces/redis/services?watch=1&allowWatchBookmarks=true&resourceVersion=42"
        "&timeoutSeconds=300&labelSelector=a%3Db");
}

TEST_CASE("ASuccessThatIsNotJsonIsAnInternalError", "[client]") {
  Fixture f({200, "<html>proxy</html>"});
  StatusOr<json> got = f.client().Get(kPods, "redis", "p");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Status::Code::kInternal);
  CHECK_THAT(got.status().message(), Catch::StartsWith("get pods redis/p: "));
}

TEST_CASE("TransportFailuresAreUnavailableAndNameTheCall", "[client]") {
  uint16_t port = 0;
  {
    TestHttpServer closed([](const TestRequest&, TestSocket&) { return false; });
    port = closed.port();
  }  // nothing listens on `port` any more
  ClusterConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  ApiClient api(config, nullptr);
  std::unique_ptr<KubeClient> client = NewKubeClient(&api);
  StatusOr<json> got = client->Get(kPersistentVolumes, "", "pv-1");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Status::Code::kUnavailable);
  CHECK_THAT(got.status().message(), Catch::StartsWith("get persistentvolumes pv-1: "));
}

}  // namespace
}  // namespace redispair::kube
