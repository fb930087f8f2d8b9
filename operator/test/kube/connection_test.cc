// ParseServerUrl: the part of the internal connection layer that is pure.
#include "kube/connection.h"

#include <catch2/catch.hpp>

namespace redispair::kube {
namespace {

TEST_CASE("ServerUrlForms", "[connection]") {
  StatusOr<ServerUrl> u = ParseServerUrl("https://127.0.0.1:6443");
  REQUIRE(u.ok());
  CHECK(u->tls);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == "6443");
  CHECK(u->host_header == "127.0.0.1:6443");
  CHECK(u->path_prefix.empty());

  u = ParseServerUrl("https://[fd00:10:96::1]:443/");
  REQUIRE(u.ok());
  CHECK(u->host == "fd00:10:96::1");
  CHECK(u->host_header == "[fd00:10:96::1]:443");

  u = ParseServerUrl("http://kubernetes.default.svc/k8s/clusters/c-1/");
  REQUIRE(u.ok());
  CHECK_FALSE(u->tls);
  CHECK(u->port == "80");
  CHECK(u->host_header == "kubernetes.default.svc:80");
  CHECK(u->path_prefix == "/k8s/clusters/c-1");

  u = ParseServerUrl("https://[::1]");
  REQUIRE(u.ok());
  CHECK(u->port == "443");
}

TEST_CASE("MalformedServerUrlsAreRejected", "[connection]") {
  for (const char* bad :
       {"127.0.0.1:6443", "ftp://h", "https://", "https://fd00::1:443", "https://[fd00::1",
        "https://h:0", "https://h:65536", "https://h:x", "https://[::1]x"}) {
    CAPTURE(bad);
    CHECK(ParseServerUrl(bad).status().code() == Status::Code::kInvalidArgument);
  }
}

}  // namespace
}  // namespace redispair::kube
