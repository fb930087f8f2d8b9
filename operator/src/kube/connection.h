// Internal to rp_kube (not a public interface): one HTTP/1.1 connection, plain or TLS, to the
// API server, driven synchronously by the calling thread.
//
// Each Connection owns a private io_context. A blocking call starts one asynchronous Beast
// operation and runs that io_context until the operation completes, so timeouts are Beast
// tcp_stream expiries and another thread can interrupt the call with Abort(), which posts a
// socket close into the io_context.
//
// Thread-safety: a Connection is used by one thread at a time; only Abort() may be called
// concurrently from other threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "util/status.h"

namespace redispair::kube {

// The parts of ClusterConfig::server the client needs.
struct ServerUrl {
  bool tls = true;
  std::string host;         // no brackets, e.g. "127.0.0.1", "fd00::1", "kubernetes.default.svc"
  std::string port;         // "6443"; defaults to 443 / 80
  std::string host_header;  // "host:port", IPv6 bracketed
  std::string path_prefix;  // "" or "/k8s/clusters/c-1" (no trailing slash)
};

// Parses "https://host[:port][/prefix]" or "http://...". InvalidArgument on anything else.
StatusOr<ServerUrl> ParseServerUrl(std::string_view server);

// TCP keepalive of every connection: after kKeepAliveIdle without traffic the kernel probes the
// peer every kKeepAliveInterval, and gives up after kKeepAliveProbes unanswered probes. A peer that
// vanished without closing is then found within 30 + 3 x 10 = 60 s of silence, below the watch
// idle timeout (75 s), and also for a request waiting on its response or an idle pooled
// connection, which no timeout of ours watches. (client-go's dialer uses 30 s as well.)
inline constexpr int kKeepAliveIdleSeconds = 30;
inline constexpr int kKeepAliveIntervalSeconds = 10;
inline constexpr int kKeepAliveProbes = 3;

using Clock = std::chrono::steady_clock;

class Connection {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  template <class Body>
  using Parser = boost::beast::http::response_parser<Body>;

  // `tls` is null for plain http; otherwise it must outlive the connection.
  Connection(const ServerUrl& url, boost::asio::ssl::context* tls);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Resolves, connects, turns on TCP keepalive (above) and (for https) performs the TLS
  // handshake with SNI and hostname or IP-address verification, all before `deadline`.
  // Unavailable on failure, with the reason (for example the certificate verification error).
  Status Connect(Clock::time_point deadline);
  bool connected() const { return connected_; }

  // True if the connection finished at least one exchange (so it came from the idle pool).
  bool reused() const { return exchanges_ > 0; }
  // Called after a response was read completely and the connection may be kept.
  void MarkExchangeDone() { ++exchanges_; }

  // False if an idle connection was closed by the peer (or has unexpected bytes pending), checked
  // without blocking. Only meaningful between exchanges.
  bool LooksReusable();

  // Blocking I/O, each bounded by `deadline` (or, for ReadSome, by `idle` without progress).
  // Return the Beast/Asio error; beast::error::timeout on expiry, asio operation_aborted or
  // bad_descriptor after Abort().
  boost::beast::error_code Write(Request& request, Clock::time_point deadline);
  boost::beast::error_code Read(Parser<boost::beast::http::string_body>& parser,
                                Clock::time_point deadline);
  boost::beast::error_code ReadHeader(Parser<boost::beast::http::buffer_body>& parser,
                                      Clock::time_point deadline);
  // Reads whatever is available into the parser's buffer_body buffer. A full body buffer
  // (http::error::need_buffer) is reported as success.
  boost::beast::error_code ReadSome(Parser<boost::beast::http::buffer_body>& parser,
                                    std::chrono::milliseconds idle);

  // Thread-safe. Makes the current and every later operation fail promptly.
  void Abort();

  // The socket's descriptor, -1 before Connect(): for tests that inspect socket options.
  int native_handle();

 private:
  // Runs the io_context until `*done` (set by the operation's handler) or no work is left.
  void RunUntil(const bool* done);
  // Starts one operation with fn(stream, handler) on the plain or TLS stream and runs it to
  // completion; fails at once after Abort().
  template <class Fn>
  boost::beast::error_code WithStream(Fn&& fn);
  boost::beast::tcp_stream& tcp();

  const ServerUrl url_;
  boost::asio::ssl::context* const tls_;
  // Declared before the streams so that it is destroyed after them.
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::tcp_stream> plain_;                             // http
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;  // https
  boost::beast::flat_buffer buffer_;  // read-ahead, kept across exchanges
  bool connected_ = false;
  bool aborted_ = false;  // set by Abort()'s handler, which runs on the owning thread
  uint64_t exchanges_ = 0;
};

}  // namespace redispair::kube
