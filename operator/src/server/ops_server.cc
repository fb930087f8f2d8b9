#include "server/ops_server.h"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "metrics/metrics.h"
#include "util/log.h"

namespace redispair {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A client that neither sends a request nor reads its response within this time is dropped;
// probes and scrapes complete in milliseconds.
constexpr std::chrono::seconds kIoTimeout{10};
// Requests to these endpoints have no body; anything larger is refused.
constexpr uint32_t kMaxRequestBytes = 16 * 1024;

struct Handlers {
  Metrics* metrics;
  std::function<bool()> healthy;
  std::function<Status()> ready;
};

http::response<http::string_body> Handle(const http::request<http::string_body>& req,
                                         const Handlers& handlers) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(http::field::server, "redispair-operator");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  std::string_view target(req.target().data(), req.target().size());
  target = target.substr(0, target.find('?'));
  const bool known = target == "/healthz" || target == "/readyz" || target == "/metrics";
  if (!known) {
    res.result(http::status::not_found);
    res.body() = "not found\n";
  } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.body() = "method not allowed\n";
  } else if (target == "/healthz") {
    const bool ok = !handlers.healthy || handlers.healthy();
    res.result(ok ? http::status::ok : http::status::internal_server_error);
    res.body() = ok ? "ok\n" : "unhealthy\n";
  } else if (target == "/readyz") {
    const Status ready = handlers.ready ? handlers.ready() : Status::Ok();
    res.result(ready.ok() ? http::status::ok : http::status::service_unavailable);
    res.body() = ready.ok() ? "ok\n" : "not ready: " + ready.message() + "\n";
  } else {
    res.result(http::status::ok);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = handlers.metrics != nullptr ? handlers.metrics->Render() : Metrics().Render();
  }
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

// One client connection: read a request, answer it, repeat while keep-alive. Owned by the
// handlers of its pending operation (the usual Beast shared_from_this pattern), so it is
// destroyed when the connection ends or the io_context is destroyed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Handlers* handlers)
      : stream_(std::move(socket)), handlers_(handlers) {}

  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(kIoTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) {
      // end_of_stream is the client closing a kept-alive connection; other errors (timeouts,
      // resets, oversized requests) just drop the connection: there is no one to report to.
      stream_.socket().close(ec);
      return;
    }
    response_ = Handle(parser_->get(), *handlers_);
    stream_.expires_after(kIoTimeout);
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !response_.keep_alive()) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.socket().close(ec);  // best effort; the peer may already be gone
      return;
    }
    ReadRequest();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  const Handlers* handlers_;
};

}  // namespace

struct OpsServer::Impl {
  std::string bind_address;
  std::atomic<uint16_t> port;
  Handlers handlers;
  std::unique_ptr<asio::io_context> ioc;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  bool started = false;

  void Accept() {
    acceptor->async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;  // stopping
      if (!ec) std::make_shared<Session>(std::move(socket), &handlers)->ReadRequest();
      // A failed accept (e.g. EMFILE) is retried; the listener stays up.
      Accept();
    });
  }
};

OpsServer::OpsServer(std::string bind_address, uint16_t port, Metrics* metrics,
                     std::function<bool()> healthy, std::function<Status()> ready)
    : impl_(std::make_unique<Impl>()) {
  impl_->bind_address = std::move(bind_address);
  impl_->port = port;
  impl_->handlers = Handlers{metrics, std::move(healthy), std::move(ready)};
}

OpsServer::~OpsServer() { Stop(); }

uint16_t OpsServer::port() const { return impl_->port.load(); }

Status OpsServer::Start() {
  if (impl_->started) return Status::Internal("ops server already started");
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->bind_address, ec);
  if (ec) {
    return Status::InvalidArgument("ops server bind address \"" + impl_->bind_address +
                                   "\": " + ec.message());
  }
  const tcp::endpoint endpoint(address, impl_->port.load());
  const std::string where =
      "ops server listen on " + impl_->bind_address + ":" + std::to_string(endpoint.port());
  auto ioc = std::make_unique<asio::io_context>(1);
  auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
  if (acceptor->open(endpoint.protocol(), ec) ||
      acceptor->set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor->bind(endpoint, ec) ||
      acceptor->listen(asio::socket_base::max_listen_connections, ec)) {
    return Status::Unavailable(where + ": " + ec.message());
  }
  impl_->port = acceptor->local_endpoint(ec).port();
  impl_->ioc = std::move(ioc);
  impl_->acceptor = std::move(acceptor);
  impl_->started = true;
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc->run(); });
  LogInfo("ops server listening", {{"address", impl_->bind_address}, {"port", impl_->port.load()}});
  return Status::Ok();
}

void OpsServer::Stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(*impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor->close(ec);  // nothing useful to do if closing fails
    impl->ioc->stop();
  });
  impl_->thread.join();
  // Destroying the io_context destroys the pending handlers and with them every open session.
  impl_->acceptor.reset();
  impl_->ioc.reset();
}

}  // namespace redispair
