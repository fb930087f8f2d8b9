#include "kube/api_client.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>
#include <boost/system/system_error.hpp>

#include "kube/api_error.h"
#include "kube/connection.h"
#include "kube/line_splitter.h"
#include "server/metrics.h"
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

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  const size_t start = s.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? std::string() : s.substr(start);
}

std::string TransportError(const beast::error_code& ec, std::chrono::milliseconds limit) {
  if (ec == beast::error::timeout) {
    return "timed out after " + std::to_string(limit.count()) + " ms";
  }
  return ec.message();
}

// The bearer token: static, or read from a file and re-read when the file changes (the kubelet
// rotates projected service-account tokens by swapping a symlink, which changes mtime and inode).
// Thread-safe.
class TokenSource {
 public:
  TokenSource(std::string token, std::string file)
      : token_(Trim(std::move(token))), file_(std::move(file)) {}

  // The current token ("" for none). Fails only if the token file was never readable.
  StatusOr<std::string> Get() {
    if (file_.empty()) return token_;
    struct stat st {};
    const bool stat_ok = ::stat(file_.c_str(), &st) == 0;
    std::lock_guard<std::mutex> lock(mu_);
    if (stat_ok && loaded_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
        st.st_mtim.tv_nsec == mtime_.tv_nsec && st.st_ino == inode_) {
      return token_;
    }
    StatusOr<std::string> content = ReadFile(file_);
    if (!content.ok()) {
      // Keep using the last good token through a transient failure: it is usually still valid
      // for a while, and the server will say so if it is not.
      if (loaded_) return token_;
      return Status::Unavailable("bearer token: " + content.status().message());
    }
    token_ = Trim(std::move(content).value());
    loaded_ = true;
    if (stat_ok) {
      mtime_ = st.st_mtim;
      inode_ = st.st_ino;
    }
    return token_;
  }

 private:
  std::mutex mu_;
  std::string token_;  // guarded by mu_ when file_ is set
  const std::string file_;
  bool loaded_ = false;  // guarded by mu_
  timespec mtime_{};     // guarded by mu_
  ino_t inode_ = 0;      // guarded by mu_
};

}  // namespace

struct ApiClient::Impl {
  ClusterConfig config;
  Metrics* metrics;
  Status init_status;
  ServerUrl url;
  std::unique_ptr<asio::ssl::context> tls;  // null for http://
  TokenSource token;
  std::atomic<bool> shutdown{false};

  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mu
  std::unordered_set<Connection*> active;         // guarded by mu

  Impl(ClusterConfig c, Metrics* m)
      : config(std::move(c)), metrics(m), token(config.bearer_token, config.token_file) {}

  Status Init();

  // A connection checked out of the pool for one exchange; returned (if Keep() was called) or
  // closed when the lease ends. Registered as active so that Shutdown() can abort it.
  class Lease {
   public:
    Lease(Impl* impl, std::unique_ptr<Connection> conn) : impl_(impl), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : impl_(other.impl_), conn_(std::move(other.conn_)), keep_(other.keep_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) impl_->Release(std::move(conn_), keep_);
    }
    Connection& conn() { return *conn_; }
    void Keep() { keep_ = true; }

   private:
    Impl* impl_;
    std::unique_ptr<Connection> conn_;
    bool keep_ = false;
  };

  StatusOr<Lease> Acquire() {
    std::lock_guard<std::mutex> lock(mu);
    if (shutdown) return Status::Cancelled("API client is shutting down");
    std::unique_ptr<Connection> conn;
    while (!idle.empty() && !conn) {
      conn = std::move(idle.back());
      idle.pop_back();
      if (!conn->LooksReusable()) conn.reset();  // closed by the server while idle
    }
    if (!conn) conn = std::make_unique<Connection>(url, tls.get());
    active.insert(conn.get());
    return Lease(this, std::move(conn));
  }

  void Release(std::unique_ptr<Connection> conn, bool keep) {
    std::lock_guard<std::mutex> lock(mu);
    active.erase(conn.get());
    if (keep && !shutdown && idle.size() < kMaxIdleConnections) idle.push_back(std::move(conn));
  }

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
                  std::optional<Lease>* out) {
    for (int attempt = 0;; ++attempt) {
      StatusOr<Lease> lease = Acquire();
      if (!lease.ok()) return lease.status();
      Connection& conn = lease->conn();
      if (!conn.connected()) {
        Status s = conn.Connect(deadline);
        if (shutdown) return Cancelled();
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
      if (shutdown) return Cancelled();
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
  Status DoWatch(std::string_view target, const std::function<bool(std::string_view)>& on_line,
                 std::chrono::milliseconds idle_timeout, int* code);
};

Status ApiClient::Impl::Init() {
  StatusOr<ServerUrl> parsed = ParseServerUrl(config.server);
  if (!parsed.ok()) return parsed.status();
  url = std::move(parsed).value();
  if (!url.tls) return Status::Ok();
  try {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  } catch (const boost::system::system_error& e) {
    return Status::Internal(std::string("create TLS context: ") + e.what());
  }
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (config.insecure_skip_tls_verify) {
    tls->set_verify_mode(asio::ssl::verify_none, ec);
  } else {
    tls->set_verify_mode(asio::ssl::verify_peer, ec);
    if (config.ca_pem.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->add_certificate_authority(asio::buffer(config.ca_pem), ec);
    }
    if (ec) return Status::InvalidArgument("certificate authority: " + ec.message());
  }
  if (!config.client_cert_pem.empty() || !config.client_key_pem.empty()) {
    tls->use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
    if (ec) return Status::InvalidArgument("client certificate: " + ec.message());
    tls->use_private_key(asio::buffer(config.client_key_pem), asio::ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("client key: " + ec.message());
  }
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
  std::optional<Lease> lease;
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

Status ApiClient::Impl::DoWatch(std::string_view target,
                                const std::function<bool(std::string_view)>& on_line,
                                std::chrono::milliseconds idle_timeout, int* code) {
  const std::string what = "WATCH " + std::string(target);
  Connection::Request req;
  if (Status s = PrepareRequest(http::verb::get, target, "application/json", &req); !s.ok()) {
    return s.WithContext(what);
  }
  req.prepare_payload();

  // Connecting and the response header are bounded by the idle timeout as well: a healthy API
  // server answers a watch immediately.
  const Clock::time_point deadline = Clock::now() + idle_timeout;
  Connection::Parser<http::buffer_body> parser;
  // A watch body is unbounded. Not boost::none: Beast 1.74 then rejects any Content-Length
  // response (it compares the length against the empty optional), e.g. a 410 error body.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(kMaxHeaderBytes);
  std::optional<Lease> lease;
  Status s = Exchange(
      req, deadline, idle_timeout, what,
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
    HttpResponse response{*code, {}, std::string(parser.get()[http::field::content_type])};
    while (!parser.is_done() && response.body.size() < kMaxWatchErrorBody) {
      parser.get().body().data = buffer.data();
      parser.get().body().size = buffer.size();
      if (conn.ReadSome(parser, idle_timeout)) break;
      response.body.append(buffer.data(), buffer.size() - parser.get().body().size);
    }
    if (shutdown) return Cancelled();
    return StatusFromResponse(response, what);
  }

  LineSplitter splitter;
  bool stopped = false;
  auto deliver = [&](std::string_view line) {
    if (!stopped && !on_line(line)) stopped = true;
  };
  while (!parser.is_done()) {
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    beast::error_code ec = conn.ReadSome(parser, idle_timeout);
    if (shutdown) return Cancelled();
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

const ClusterConfig& ApiClient::config() const { return impl_->config; }

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
  if (impl_->shutdown) return impl_->Cancelled();
  const Clock::time_point start = Clock::now();
  StatusOr<HttpResponse> result = impl_->DoRequest(verb, method, target, body, opts);
  impl_->Record(method, result.ok() ? result->status : 0, IsWrite(verb));
  if (impl_->metrics != nullptr) {
    impl_->metrics->Observe(kRequestDuration, {{"method", std::string(method)}},
                            std::chrono::duration<double>(Clock::now() - start).count());
  }
  return result;
}

Status ApiClient::Watch(std::string_view target,
                        const std::function<bool(std::string_view line)>& on_line,
                        std::chrono::milliseconds idle_timeout) {
  if (!impl_->init_status.ok()) return impl_->init_status;
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("watch target must start with '/': " + std::string(target));
  }
  if (impl_->shutdown) return impl_->Cancelled();
  int code = 0;
  Status s = impl_->DoWatch(target, on_line, idle_timeout, &code);
  impl_->Record("WATCH", code, false);
  return s;
}

void ApiClient::Shutdown() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->shutdown = true;
    for (Connection* conn : impl_->active) conn->Abort();
    idle.swap(impl_->idle);
  }
  // `idle` is closed here, outside the lock.
}

}  // namespace redispair::kube
