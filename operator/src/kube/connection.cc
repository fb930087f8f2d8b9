#include "kube/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace redispair::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Turns on TCP keepalive with the timings of connection.h. Fails only for a socket that is not
// TCP, which a connected tcp::socket is not.
beast::error_code EnableKeepAlive(tcp::socket& socket) {
  beast::error_code ec;
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  if (ec) return ec;
  const int fd = socket.native_handle();
  for (const auto& [option, value] : {std::pair{TCP_KEEPIDLE, kKeepAliveIdleSeconds},
                                      std::pair{TCP_KEEPINTVL, kKeepAliveIntervalSeconds},
                                      std::pair{TCP_KEEPCNT, kKeepAliveProbes}}) {
    if (::setsockopt(fd, IPPROTO_TCP, option, &value, sizeof(value)) != 0) {
      return beast::error_code(errno, beast::system_category());
    }
  }
  return {};
}

}  // namespace

StatusOr<ServerUrl> ParseServerUrl(std::string_view server) {
  const std::string quoted = "server URL \"" + std::string(server) + "\"";
  ServerUrl url;
  std::string_view rest = server;
  if (rest.rfind("https://", 0) == 0) {
    url.tls = true;
    url.port = "443";
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    url.tls = false;
    url.port = "80";
    rest.remove_prefix(7);
  } else {
    return Status::InvalidArgument(quoted + " must start with https:// or http://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    url.path_prefix = std::string(prefix);
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(quoted + " has an unterminated IPv6 literal");
    }
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::InvalidArgument(quoted + " is malformed");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
      return Status::InvalidArgument(quoted + ": an IPv6 address must be written in brackets");
    }
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Status::InvalidArgument(quoted + " has no host");
  if (!port.empty()) {
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number == 0 || number > 65535) {
      return Status::InvalidArgument(quoted + " has an invalid port");
    }
    url.port = std::string(port);
  }
  const bool ipv6 = url.host.find(':') != std::string::npos;
  url.host_header = (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
  return url;
}

Connection::Connection(const ServerUrl& url, asio::ssl::context* tls) : url_(url), tls_(tls) {
  if (url_.tls && tls_ != nullptr) {
    secure_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, *tls_);
  } else {
    plain_ = std::make_unique<beast::tcp_stream>(ioc_);
  }
}

Connection::~Connection() = default;

beast::tcp_stream& Connection::tcp() {
  return secure_ ? beast::get_lowest_layer(*secure_) : *plain_;
}

template <class Fn>
beast::error_code Connection::WithStream(Fn&& fn) {
  if (aborted_) return asio::error::operation_aborted;
  bool done = false;
  beast::error_code result;
  auto handler = [&done, &result](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  };
  if (secure_) {
    fn(*secure_, handler);
  } else {
    fn(*plain_, handler);
  }
  RunUntil(&done);
  // Only possible if the operation vanished without completing, which Asio does not do; the
  // handler's captures would dangle if it did, so fail loudly rather than continue.
  if (!done) std::abort();
  return result;
}

void Connection::RunUntil(const bool* done) {
  ioc_.restart();
  while (!*done) {
    if (ioc_.run_one() == 0) break;
  }
}

void Connection::Abort() {
  asio::post(ioc_, [this] {
    aborted_ = true;
    beast::error_code ec;
    tcp().socket().close(ec);  // best effort: the socket may not be open yet
  });
}

Status Connection::Connect(Clock::time_point deadline) {
  const std::string where = url_.host_header;
  std::vector<tcp::endpoint> endpoints;
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(url_.host, ec);
  const auto port = static_cast<uint16_t>(std::stoi(url_.port));
  if (!ec) {
    endpoints.emplace_back(address, port);
  } else {
    // A hostname. Asio resolves on a helper thread; an Abort() is seen once it returns.
    tcp::resolver resolver(ioc_);
    bool done = false;
    resolver.async_resolve(url_.host, url_.port,
                           [&](beast::error_code resolve_ec, tcp::resolver::results_type results) {
                             ec = resolve_ec;
                             for (const auto& entry : results)
                               endpoints.push_back(entry.endpoint());
                             done = true;
                           });
    RunUntil(&done);
    if (!done) std::abort();  // see WithStream
    if (ec) return Status::Unavailable("resolve " + url_.host + ": " + ec.message());
  }

  tcp().expires_at(deadline);
  ec = WithStream([&](auto& stream, auto handler) {
    beast::get_lowest_layer(stream).async_connect(endpoints, handler);
  });
  if (ec) return Status::Unavailable("connect to " + where + ": " + ec.message());
  tcp().socket().set_option(tcp::no_delay(true), ec);  // latency only; failure is harmless
  if (ec = EnableKeepAlive(tcp().socket()); ec) {
    // Without it a vanished peer could block a read for ever; better no connection at all.
    return Status::Internal("TCP keepalive for " + where + ": " + ec.message());
  }

  if (secure_) {
    SSL* ssl = secure_->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const bool ip = IsIpAddress(url_.host);
    // RFC 6066: SNI carries host names only. The certificate must match the host name or, for
    // an address, carry it as an IP SAN (how kube-apiserver certificates name 127.0.0.1).
    if (ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) != 1
           : (SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1 ||
              X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), url_.host.size()) != 1)) {
      return Status::Internal("TLS setup for " + where + ": cannot set the expected peer name");
    }
    tcp().expires_at(deadline);
    ec = WithStream([&](auto& stream, auto handler) {
      if constexpr (std::is_same_v<std::decay_t<decltype(stream)>,
                                   beast::ssl_stream<beast::tcp_stream>>) {
        stream.async_handshake(asio::ssl::stream_base::client, handler);
      }
    });
    if (ec) {
      std::string reason = ec.message();
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
      }
      return Status::Unavailable("TLS handshake with " + where + ": " + reason);
    }
  }
  tcp().expires_never();
  connected_ = true;
  return Status::Ok();
}

int Connection::native_handle() {
  return tcp().socket().is_open() ? tcp().socket().native_handle() : -1;
}

bool Connection::LooksReusable() {
  if (!connected_ || aborted_ || buffer_.size() != 0 || !tcp().socket().is_open()) return false;
  // An idle keep-alive connection has nothing to read. Readable means the peer closed it (EOF,
  // TLS close_notify) or sent something unsolicited; either way it cannot be reused.
  pollfd poll_fd{tcp().socket().native_handle(), POLLIN, 0};
  return ::poll(&poll_fd, 1, 0) == 0;
}

beast::error_code Connection::Write(Request& request, Clock::time_point deadline) {
  tcp().expires_at(deadline);
  return WithStream(
      [&](auto& stream, auto handler) { http::async_write(stream, request, handler); });
}

beast::error_code Connection::Read(Parser<http::string_body>& parser, Clock::time_point deadline) {
  tcp().expires_at(deadline);
  return WithStream(
      [&](auto& stream, auto handler) { http::async_read(stream, buffer_, parser, handler); });
}

beast::error_code Connection::ReadHeader(Parser<http::buffer_body>& parser,
                                         Clock::time_point deadline) {
  tcp().expires_at(deadline);
  return WithStream([&](auto& stream, auto handler) {
    http::async_read_header(stream, buffer_, parser, handler);
  });
}

beast::error_code Connection::ReadSome(Parser<http::buffer_body>& parser,
                                       std::chrono::milliseconds idle) {
  tcp().expires_after(idle);
  beast::error_code ec = WithStream(
      [&](auto& stream, auto handler) { http::async_read_some(stream, buffer_, parser, handler); });
  if (ec == http::error::need_buffer) ec = {};
  return ec;
}

}  // namespace redispair::kube
