#include "kube/api_client.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "kube/api_error.h"
#include "kube/connection.h"
#include "kube/connection_pool.h"
#include "kube/line_splitter.h"
#include "kube/tls_context.h"
#include "kube/token_source.h"
#include "metrics/metrics.h"
#include "util/log.h"

namespace redispair::kube {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr char kUserAgent[] = "redispair-operator/0.1";
constexpr char kRequestsTotal[] = "redispair_api_requests_total";
constexpr char kWriteRequestsTotal[] = "redispair_api_write_requests_total";
constexpr char kRequestDuration[] = "redispair_api_request_duration_seconds";
// Response headers of the API server are small; this only guards against garbage.
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
// How much of an error body of a failed watch to read for its message.
constexpr size_t kMaxWatchErrorBody = 64 * 1024;
// Read size for watch streams: one typical event, without holding much memory per watch.
constexpr size_t kWatchReadBufferBytes = 64 * 1024;

bool IsWrite(http::verb verb) {
  return verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch ||
         verb == http::verb::delete_;
}

bool IsIdempotent(http::verb verb) {
  return verb == http::verb::get || verb == http::verb::head || verb == http::verb::put ||
         verb == http::verb::delete_ || verb == http::verb::options;
}

std::string TransportError(const beast::error_code& ec, std::chrono::milliseconds limit) {
  if (ec == beast::error::timeout) {
    return "timed out after " + std::to_string(limit.count()) + " ms";
  }
  return ec.message();
}

}  // namespace

struct ApiClient::Impl {
  ClusterConfig config;
  Metrics* metrics;
  Status init_status;
  ServerUrl url;
  std::unique_ptr<asio::ssl::context> tls;  // null for http://
  TokenSource token;
  std::unique_ptr<ConnectionPool> pool;  // null until Init() succeeded

  Impl(ClusterConfig c, Metrics* m)
      : config(std::move(c)), metrics(m), token(config.bearer_token, config.token_file) {}

  Status Init();
  bool shutdown() const { return pool->shut_down(); }

  Status Cancelled() const { return Status::Cancelled("API client is shutting down"); }

  // Fills the headers common to every request. Fails only if the token cannot be read.
  Status PrepareRequest(http::verb verb, std::string_view target, std::string_view accept,
                        Connection::Request* req) {
    req->method(verb);
    req->target(url.path_prefix + std::string(target));
    req->version(11);
    req->set(http::field::host, url.host_header);
    req->set(http::field::user_agent, kUserAgent);
    if (!accept.empty()) req->set(http::field::accept, std::string(accept));
    StatusOr<std::string> bearer = token.Get();
    if (!bearer.ok()) return bearer.status();
    if (!bearer->empty()) req->set(http::field::authorization, "Bearer " + *bearer);
    return Status::Ok();
  }

  // Checks out a connected connection and sends `req` on it, then calls read(conn) to read the
  // response (or its header). Implements the single retry on a stale reused connection
  // described in api_client.h. On success the lease is returned in *out.
  template <class ReadFn>
  Status Exchange(Connection::Request& req, Clock::time_point deadline,
                  std::chrono::milliseconds limit, const std::string& what, ReadFn&& read,
                  std::optional<ConnectionPool::Lease>* out) {
    for (int attempt = 0;; ++attempt) {
      StatusOr<ConnectionPool::Lease> lease = pool->Acquire();
      if (!lease.ok()) return lease.status();
      Connection& conn = lease->conn();
      if (!conn.connected()) {
        Status s = conn.Connect(deadline);
        if (shutdown()) return Cancelled();
        if (!s.ok()) return s.WithContext(what);
      }
      bool got_response_bytes = false;
      beast::error_code ec = conn.Write(req, deadline);
      const bool write_failed = static_cast<bool>(ec);
      if (!ec) ec = read(conn, &got_response_bytes);
      if (!ec) {
        out->emplace(std::move(lease).value());
        return Status::Ok();
      }
      if (shutdown()) return Cancelled();
      const bool stale = conn.reused() && !got_response_bytes && ec != beast::error::timeout &&
                         (write_failed || IsIdempotent(req.method()));
      if (attempt == 0 && stale) {
        LogDebug("retrying on a new connection", {{"request", what}, {"error", ec.message()}});
        continue;  // the lease ends here, closing the stale connection
      }
      return Status::Unavailable(what + ": " + TransportError(ec, limit));
    }
  }

  void Record(std::string_view method, int code, bool write) {
    if (metrics == nullptr) return;
    metrics->Inc(kRequestsTotal, {{"method", std::string(method)},
                                  {"code", code > 0 ? std::to_string(code) : "error"}});
    if (write) metrics->Inc(kWriteRequestsTotal);
  }

  StatusOr<HttpResponse> DoRequest(http::verb verb, std::string_view method,
                                   std::string_view target, std::string_view body,
                                   const RequestOptions& opts);
  Status DoWatch(std::string_view target, const WatchStreamOptions& options,
                 const std::function<bool(std::string_view)>& on_line, int* code);
};

Status ApiClient::Impl::Init() {
  StatusOr<ServerUrl> parsed = ParseServerUrl(config.server);
  if (!parsed.ok()) return parsed.status();
  url = std::move(parsed).value();
  if (url.tls) {
    StatusOr<std::unique_ptr<asio::ssl::context>> context = MakeTlsContext(config);
    if (!context.ok()) return context.status();
    tls = std::move(context).value();
  }
  pool = std::make_unique<ConnectionPool>(url, tls.get(), kMaxIdleConnections);
  return Status::Ok();
}

StatusOr<HttpResponse> ApiClient::Impl::DoRequest(http::verb verb, std::string_view method,
                                                  std::string_view target, std::string_view body,
                                                  const RequestOptions& opts) {
  const std::string what = std::string(method) + " " + std::string(target);
  Connection::Request req;
  if (Status s = PrepareRequest(verb, target, opts.accept, &req); !s.ok()) {
    return s.WithContext(what);
  }
  if (!body.empty() || IsWrite(verb)) {
    req.set(http::field::content_type,
            opts.content_type.empty() ? std::string("application/json") : opts.content_type);
  }
  req.body() = std::string(body);
  req.prepare_payload();

  const Clock::time_point deadline = Clock::now() + opts.timeout;
  std::optional<Connection::Parser<http::string_body>> parser;
  std::optional<ConnectionPool::Lease> lease;
  Status s = Exchange(
      req, deadline, opts.timeout, what,
      [&](Connection& conn, bool* got_bytes) {
        parser.emplace();
        parser->body_limit(kMaxResponseBytes);
        parser->header_limit(kMaxHeaderBytes);
        if (verb == http::verb::head) parser->skip(true);
        beast::error_code ec = conn.Read(*parser, deadline);
        *got_bytes = parser->got_some();
        return ec;
      },
      &lease);
  if (!s.ok()) return s;
  auto& message = parser->get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.content_type = std::string(message[http::field::content_type]);
  response.body = std::move(message.body());
  if (message.keep_alive()) {
    lease->conn().MarkExchangeDone();
    lease->Keep();
  }
  return response;
}

Status ApiClient::Impl::DoWatch(std::string_view target, const WatchStreamOptions& options,
                                const std::function<bool(std::string_view)>& on_line, int* code) {
  const std::string what = "WATCH " + std::string(target);
  Connection::Request req;
  if (Status s = PrepareRequest(http::verb::get, target, "application/json", &req); !s.ok()) {
    return s.WithContext(what);
  }
  req.prepare_payload();

  // Connecting, TLS and the response header share one deadline, apart from the stream's idle
  // timeout: a server that accepts the connection but never answers is found in seconds.
  const std::chrono::milliseconds open_timeout = options.open_timeout;
  const std::chrono::milliseconds idle_timeout = options.idle_timeout;
  const Clock::time_point deadline = Clock::now() + open_timeout;
  Connection::Parser<http::buffer_body> parser;
  // A watch body is unbounded. Not boost::none: Beast 1.74 then rejects any Content-Length
  // response (it compares the length against the empty optional), e.g. a 410 error body.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(kMaxHeaderBytes);
  std::optional<ConnectionPool::Lease> lease;
  Status s = Exchange(
      req, deadline, open_timeout, what,
      [&](Connection& conn, bool* got_bytes) {
        beast::error_code ec = conn.ReadHeader(parser, deadline);
        *got_bytes = parser.got_some();
        return ec;
      },
      &lease);
  if (!s.ok()) return s;
  Connection& conn = lease->conn();
  *code = static_cast<int>(parser.get().result_int());

  std::vector<char> buffer(kWatchReadBufferBytes);
  if (*code != 200) {
    // Read (the start of) the error body for its message; whatever happens, report the status.
    // It is part of the answer, not a stream, so the open timeout bounds it.
    HttpResponse response{*code, {}, std::string(parser.get()[http::field::content_type])};
    while (!parser.is_done() && response.body.size() < kMaxWatchErrorBody) {
      parser.get().body().data = buffer.data();
      parser.get().body().size = buffer.size();
      if (conn.ReadSome(parser, open_timeout)) break;
      response.body.append(buffer.data(), buffer.size() - parser.get().body().size);
    }
    if (shutdown()) return Cancelled();
    return StatusFromResponse(response, what);
  }

  if (options.on_open) options.on_open();
  LineSplitter splitter;
  bool stopped = false;
  auto deliver = [&](std::string_view line) {
    if (!stopped && !on_line(line)) stopped = true;
  };
  while (!parser.is_done()) {
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    beast::error_code ec = conn.ReadSome(parser, idle_timeout);
    if (shutdown()) return Cancelled();
    if (ec == beast::error::timeout) {
      return Status::Unavailable(what + ": no data for " + std::to_string(idle_timeout.count()) +
                                 " ms");
    }
    if (ec) return Status::Unavailable(what + ": stream broken: " + ec.message());
    const size_t n = buffer.size() - parser.get().body().size;
    Status fed = splitter.Feed(std::string_view(buffer.data(), n), deliver);
    if (stopped) return Status::Cancelled(what + ": stopped by the caller");
    if (!fed.ok()) return fed.WithContext(what);
  }
  if (splitter.buffered() > 0) {
    // The API server ends every event with a newline, so this is a truncated event; dropping it
    // is safe because the caller resumes from the last resourceVersion it saw.
    LogWarn("watch stream ended inside an event",
            {{"request", what}, {"bytes", splitter.buffered()}});
  }
  if (parser.get().keep_alive()) {
    conn.MarkExchangeDone();
    lease->Keep();
  }
  return Status::Ok();
}

ApiClient::ApiClient(ClusterConfig config, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(config), metrics)) {
  impl_->init_status = impl_->Init();
  if (metrics != nullptr) {
    metrics->Describe(kRequestsTotal, "counter",
                      "Kubernetes API requests by HTTP method (WATCH for watches) and status "
                      "code (\"error\" for transport failures).");
    metrics->Describe(kWriteRequestsTotal, "counter",
                      "Kubernetes API write requests (POST, PUT, PATCH, DELETE).");
    metrics->Inc(kWriteRequestsTotal, {}, 0);  // exported as 0 from the start
    metrics->Describe(kRequestDuration, "histogram",
                      "Kubernetes API request latency in seconds, by HTTP method (not watches).");
  }
}

ApiClient::~ApiClient() = default;

const Status& ApiClient::init_status() const { return impl_->init_status; }

StatusOr<HttpResponse> ApiClient::Request(std::string_view method, std::string_view target,
                                          std::string_view body, const RequestOptions& opts) {
  if (!impl_->init_status.ok()) return impl_->init_status;
  const http::verb verb = http::string_to_verb(beast::string_view(method.data(), method.size()));
  if (verb == http::verb::unknown) {
    return Status::InvalidArgument("unknown HTTP method \"" + std::string(method) + "\"");
  }
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("request target must start with '/': " + std::string(target));
  }
  if (impl_->shutdown()) return impl_->Cancelled();
  const Clock::time_point start = Clock::now();
  StatusOr<HttpResponse> result = impl_->DoRequest(verb, method, target, body, opts);
  impl_->Record(method, result.ok() ? result->status : 0, IsWrite(verb));
  if (impl_->metrics != nullptr) {
    impl_->metrics->Observe(kRequestDuration, {{"method", std::string(method)}},
                            std::chrono::duration<double>(Clock::now() - start).count());
  }
  return result;
}

Status ApiClient::Watch(std::string_view target, const WatchStreamOptions& options,
                        const std::function<bool(std::string_view line)>& on_line) {
  if (!impl_->init_status.ok()) return impl_->init_status;
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("watch target must start with '/': " + std::string(target));
  }
  if (impl_->shutdown()) return impl_->Cancelled();
  int code = 0;
  Status s = impl_->DoWatch(target, options, on_line, &code);
  impl_->Record("WATCH", code, false);
  return s;
}

void ApiClient::Shutdown() {
  if (impl_->pool) impl_->pool->Shutdown();
}

}  // namespace redispair::kube
