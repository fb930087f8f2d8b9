// ApiClient over TLS against a local server with an in-memory PKI: server certificate
// verification by IP SAN and DNS SAN (with SNI), client certificates, keep-alive and watches.
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "kube/api_client.h"
#include "test_http_server.h"
#include "test_pki.h"

namespace redispair::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using testing::Chunk;
using testing::ChunkedHeader;
using testing::MakeTestPki;
using testing::TestPki;
using testing::TestRequest;

// Serves TLS connections one after another on 127.0.0.1 (enough for these tests). The handler
// gets each request and a function writing raw bytes; it returns true to keep the connection.
class TlsTestServer {
 public:
  using Write = std::function<void(std::string_view bytes)>;
  using Handler = std::function<bool(const TestRequest&, const Write&)>;

  TlsTestServer(const TestPki& pki, bool require_client_cert, Handler handler)
      : handler_(std::move(handler)),
        tls_(asio::ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    tls_.use_certificate_chain(asio::buffer(pki.server.cert_pem));
    tls_.use_private_key(asio::buffer(pki.server.key_pem), asio::ssl::context::pem);
    if (require_client_cert) {
      tls_.add_certificate_authority(asio::buffer(pki.ca.cert_pem));
      tls_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Run(); });
  }

  ~TlsTestServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
      if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
    }
    cv_.notify_all();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  int connections() const { return connections_; }
  int handshakes() const { return handshakes_; }
  std::string client_cn() {
    std::lock_guard<std::mutex> lock(mu_);
    return client_cn_;
  }
  bool WaitForStop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return stopping_; });
  }

 private:
  void Run() {
    while (true) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        if (ec) continue;
        conn_fd_ = socket.native_handle();
      }
      ++connections_;
      Serve(std::move(socket));
      std::lock_guard<std::mutex> lock(mu_);
      conn_fd_ = -1;
    }
  }

  void Serve(tcp::socket socket) {
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls_);
    beast::error_code ec;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;  // e.g. the client rejected our certificate
    ++handshakes_;
    if (X509* peer = SSL_get_peer_certificate(stream.native_handle())) {
      char cn[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
      X509_free(peer);
      std::lock_guard<std::mutex> lock(mu_);
      client_cn_ = cn;
    }
    beast::flat_buffer buffer;
    const Write write = [&](std::string_view bytes) {
      beast::error_code ignored;
      asio::write(stream, asio::buffer(bytes.data(), bytes.size()), ignored);
    };
    while (true) {
      TestRequest request;
      http::read(stream, buffer, request, ec);
      if (ec || !handler_(request, write)) break;
    }
  }

  Handler handler_;
  asio::io_context ioc_;
  asio::ssl::context tls_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> handshakes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  int conn_fd_ = -1;       // guarded by mu_
  std::string client_cn_;  // guarded by mu_
  std::thread thread_;
};

bool Ok(const TestRequest&, const TlsTestServer::Write& write) {
  write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  return true;
}

ClusterConfig TlsConfig(const TestPki& pki, const std::string& host, uint16_t port) {
  ClusterConfig config;
  config.server = "https://" + host + ":" + std::to_string(port);
  config.ca_pem = pki.ca.cert_pem;
  config.client_cert_pem = pki.client.cert_pem;
  config.client_key_pem = pki.client.key_pem;
  return config;
}

TEST_CASE("TlsWithIpSanAndClientCertificateReusesOneConnection", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.1");
  TlsTestServer server(pki, /*require_client_cert=*/true, Ok);
  ApiClient client(TlsConfig(pki, "127.0.0.1", server.port()), nullptr);
  REQUIRE(client.init_status().ok());
  for (int i = 0; i < 5; ++i) {
    StatusOr<HttpResponse> r = client.Request("GET", "/version");
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }
  CHECK(server.connections() == 1);
  CHECK(server.client_cn() == "test-client");
}

TEST_CASE("TlsRejectsServerCertificateWithoutMatchingIpSan", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.2");
  TlsTestServer server(pki, false, Ok);
  ApiClient client(TlsConfig(pki, "127.0.0.1", server.port()), nullptr);
  StatusOr<HttpResponse> r = client.Request("GET", "/version");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK_THAT(r.status().message(), Catch::Contains("IP address mismatch"));
  CHECK(server.handshakes() == 0);
}

TEST_CASE("TlsDnsSanMatchesHostName", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("DNS:localhost");
  TlsTestServer server(pki, false, Ok);
  StatusOr<HttpResponse> r =
      ApiClient(TlsConfig(pki, "localhost", server.port()), nullptr).Request("GET", "/version");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  // The same certificate does not name 127.0.0.1.
  r = ApiClient(TlsConfig(pki, "127.0.0.1", server.port()), nullptr).Request("GET", "/version");
  CHECK_FALSE(r.ok());
}

TEST_CASE("TlsRejectsServerFromAnotherCa", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.1");
  const TestPki other = MakeTestPki("IP:127.0.0.1");
  TlsTestServer server(pki, false, Ok);
  ClusterConfig config = TlsConfig(pki, "127.0.0.1", server.port());
  config.ca_pem = other.ca.cert_pem;
  StatusOr<HttpResponse> r = ApiClient(config, nullptr).Request("GET", "/version");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("certificate verify failed"));

  config.ca_pem.clear();
  config.insecure_skip_tls_verify = true;
  r = ApiClient(config, nullptr).Request("GET", "/version");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
}

TEST_CASE("TlsWithoutRequiredClientCertificateFails", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.1");
  TlsTestServer server(pki, /*require_client_cert=*/true, Ok);
  ClusterConfig config = TlsConfig(pki, "127.0.0.1", server.port());
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  StatusOr<HttpResponse> r = ApiClient(config, nullptr).Request("GET", "/version");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
}

TEST_CASE("TlsMismatchedClientKeyIsAConfigError", "[api_client][tls]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.1");
  const TestPki other = MakeTestPki("IP:127.0.0.1");
  ClusterConfig config = TlsConfig(pki, "127.0.0.1", 1);
  config.client_key_pem = other.client.key_pem;
  ApiClient client(config, nullptr);
  CHECK(client.init_status().code() == Status::Code::kInvalidArgument);
  CHECK_THAT(client.init_status().message(), Catch::StartsWith("client key"));
}

TEST_CASE("TlsWatchStreamsLinesAndShutdownInterruptsIt", "[api_client][tls][watch]") {
  const TestPki pki = MakeTestPki("IP:127.0.0.1");
  std::atomic<bool> sent{false};
  TlsTestServer* server_ptr = nullptr;
  TlsTestServer server(pki, true, [&](const TestRequest&, const TlsTestServer::Write& write) {
    write(ChunkedHeader() + Chunk("{\"a\":") + Chunk("1}\n{\"b\":2}\n"));
    sent = true;
    server_ptr->WaitForStop(30s);
    return false;
  });
  server_ptr = &server;
  ApiClient client(TlsConfig(pki, "127.0.0.1", server.port()), nullptr);
  std::vector<std::string> lines;
  Status status;
  std::thread watcher([&] {
    status =
        client.Watch("/api/v1/pods?watch=1", {.idle_timeout = 60s}, [&](std::string_view line) {
          lines.emplace_back(line);
          return true;
        });
  });
  while (!sent) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(100ms);
  const auto start = std::chrono::steady_clock::now();
  client.Shutdown();
  watcher.join();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(status.IsCancelled());
  CHECK(lines == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
}

}  // namespace
}  // namespace redispair::kube
