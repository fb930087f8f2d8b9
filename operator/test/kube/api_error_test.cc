#include "kube/api_error.h"

#include <catch2/catch.hpp>

namespace redispair::kube {
namespace {

HttpResponse StatusBody(int code, const std::string& reason, const std::string& message) {
  nlohmann::json body = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                         {"reason", reason}, {"message", message}, {"code", code}};
  return HttpResponse{code, body.dump(), "application/json"};
}

TEST_CASE("SuccessfulResponsesAreOk", "[api_error]") {
  CHECK(StatusFromResponse({200, "{}", ""}, "get").ok());
  CHECK(StatusFromResponse({201, "{}", ""}, "create").ok());
}

TEST_CASE("HttpCodesMapToStatusCodes", "[api_error]") {
  using C = Status::Code;
  const std::vector<std::pair<int, C>> cases = {
      {404, C::kNotFound},         {409, C::kConflict},         {410, C::kGone},
      {401, C::kPermissionDenied}, {403, C::kPermissionDenied}, {400, C::kInvalidArgument},
      {422, C::kInvalidArgument},  {415, C::kInvalidArgument},  {429, C::kUnavailable},
      {500, C::kUnavailable},      {503, C::kUnavailable},      {504, C::kUnavailable},
  };
  for (const auto& [http, code] : cases) {
    CAPTURE(http);
    CHECK(StatusFromResponse(StatusBody(http, "Whatever", "m"), "ctx").code() == code);
  }
}

TEST_CASE("ConflictWithReasonAlreadyExistsIsAlreadyExists", "[api_error]") {
  Status s = StatusFromResponse(
      StatusBody(409, "AlreadyExists", "statefulsets.apps \"redis-master\" already exists"),
      "create redis/redis-master");
  CHECK(s.code() == Status::Code::kAlreadyExists);
  CHECK(s.message() ==
        "create redis/redis-master: HTTP 409 AlreadyExists: statefulsets.apps \"redis-master\" "
        "already exists");
}

TEST_CASE("NonStatusBodyIsQuotedInTheMessage", "[api_error]") {
  Status s = StatusFromResponse({502, "Bad Gateway\n", "text/plain"}, "get pods");
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK(s.message() == "get pods: HTTP 502: Bad Gateway");
}

TEST_CASE("WatchErrorEventStatusExpiredIsGone", "[api_error]") {
  const auto event = nlohmann::json::parse(
      R"json({"kind":"Status","apiVersion":"v1","status":"Failure",
          "message":"too old resource version: 5 (99)","reason":"Expired","code":410})json");
  Status s = StatusFromKubeStatus(event, "watch pods");
  CHECK(s.IsGone());
  CHECK(s.message() == "watch pods: HTTP 410 Expired: too old resource version: 5 (99)");
  CHECK(StatusFromKubeStatus(nlohmann::json{{"reason", "Expired"}}, "w").IsGone());
  CHECK(StatusFromKubeStatus(nlohmann::json{{"status", "Success"}}, "w").ok());
  CHECK(StatusFromKubeStatus(nlohmann::json("x"), "w").code() == Status::Code::kInternal);
}

}  // namespace
}  // namespace redispair::kube
