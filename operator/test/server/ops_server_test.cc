#include "server/ops_server.h"

#include <atomic>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "metrics/metrics.h"

namespace redispair {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends `count` GETs for `target` over one keep-alive connection and returns the last reply.
Reply Get(uint16_t port, const std::string& target, http::verb verb = http::verb::get,
          int count = 1) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::flat_buffer buffer;
  Reply reply;
  for (int i = 0; i < count; ++i) {
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    http::write(socket, req);
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    reply = {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
             res.body()};
  }
  return reply;
}

TEST_CASE("OpsServerAnswersProbesAndMetricsOnAnEphemeralPort", "[ops_server]") {
  Metrics metrics;
  metrics.Inc("redispair_reconciles_total", {{"result", "ok"}}, 7);
  std::atomic<bool> healthy{true};
  std::atomic<bool> ready{false};
  OpsServer server(
      "127.0.0.1", 0, &metrics, [&] { return healthy.load(); },
      [&] { return ready ? Status::Ok() : Status::Unavailable("pods: no live watch for 91 s"); });
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() != 0);

  CHECK(Get(server.port(), "/healthz").status == 200);
  CHECK(Get(server.port(), "/healthz").body == "ok\n");
  const Reply unready = Get(server.port(), "/readyz");
  CHECK(unready.status == 503);
  CHECK(unready.body == "not ready: pods: no live watch for 91 s\n");  // the probe says why
  ready = true;
  CHECK(Get(server.port(), "/readyz").status == 200);
  CHECK(Get(server.port(), "/readyz").body == "ok\n");
  healthy = false;
  CHECK(Get(server.port(), "/healthz").status == 500);

  const Reply metrics_reply = Get(server.port(), "/metrics");
  CHECK(metrics_reply.status == 200);
  CHECK(metrics_reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(metrics_reply.body, Catch::Contains("redispair_reconciles_total{result=\"ok\"} 7\n"));
  CHECK_THAT(metrics_reply.body, Catch::Contains("process_resident_memory_bytes "));

  CHECK(Get(server.port(), "/nope").status == 404);
  CHECK(Get(server.port(), "/metrics", http::verb::post).status == 405);
  CHECK(Get(server.port(), "/readyz?verbose", http::verb::get, 5).status == 200);
  server.Stop();
  server.Stop();  // idempotent
}

TEST_CASE("OpsServerStopUnblocksWithAnIdleClientConnected", "[ops_server]") {
  OpsServer server("127.0.0.1", 0, nullptr, nullptr, nullptr);
  REQUIRE(server.Start().ok());
  asio::io_context ioc;
  tcp::socket idle(ioc);
  idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  // The server closed the idle connection (abortively: sockets destroyed with the io_context).
  char byte;
  beast::error_code ec;
  idle.read_some(asio::buffer(&byte, 1), ec);
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
}

TEST_CASE("OpsServerReportsBadAddressAndBusyPort", "[ops_server]") {
  OpsServer bad("not-an-ip", 0, nullptr, nullptr, nullptr);
  CHECK(bad.Start().code() == Status::Code::kInvalidArgument);

  OpsServer first("127.0.0.1", 0, nullptr, nullptr, nullptr);
  REQUIRE(first.Start().ok());
  OpsServer second("127.0.0.1", first.port(), nullptr, nullptr, nullptr);
  Status s = second.Start();
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK_THAT(s.message(), Catch::Contains(std::to_string(first.port())));
}

}  // namespace
}  // namespace redispair
