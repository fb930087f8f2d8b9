// ParseServerUrl, the part of the internal connection layer that is pure; and the socket options
// every connection gets.
#include "kube/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>

#include <catch2/catch.hpp>

#include "kube/api_client.h"
#include "test_http_server.h"

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

int IntOption(int fd, int level, int option) {
  int value = -1;
  socklen_t size = sizeof(value);
  REQUIRE(::getsockopt(fd, level, option, &value, &size) == 0);
  return value;
}

TEST_CASE("EveryConnectionHasTcpKeepAliveWithOurTimings", "[connection]") {
  testing::TestHttpServer server(
      [](const testing::TestRequest&, testing::TestSocket&) { return false; });
  StatusOr<ServerUrl> url = ParseServerUrl(server.url());
  REQUIRE(url.ok());
  Connection conn(*url, nullptr);
  CHECK(conn.native_handle() == -1);
  REQUIRE(conn.Connect(Clock::now() + std::chrono::seconds(5)).ok());
  const int fd = conn.native_handle();
  REQUIRE(fd >= 0);
  CHECK(IntOption(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
  CHECK(IntOption(fd, IPPROTO_TCP, TCP_KEEPIDLE) == kKeepAliveIdleSeconds);
  CHECK(IntOption(fd, IPPROTO_TCP, TCP_KEEPINTVL) == kKeepAliveIntervalSeconds);
  CHECK(IntOption(fd, IPPROTO_TCP, TCP_KEEPCNT) == kKeepAliveProbes);
  // A vanished peer is found before the watch idle timeout would find it.
  CHECK(std::chrono::seconds(kKeepAliveIdleSeconds + kKeepAliveIntervalSeconds * kKeepAliveProbes) <
        kWatchIdleTimeout);
}

}  // namespace
}  // namespace redispair::kube
