// The HTTP(S) client for the Kubernetes API server (Boost.Beast + OpenSSL, HTTP/1.1): raw
// requests and watch streams by path. Code above kube/ does not use it directly but through the
// typed kube::KubeClient (client.h), which builds the paths and maps the HTTP status codes.
//
//   ApiClient client(config, &metrics);
//   StatusOr<HttpResponse> r = client.Request("GET", "/api/v1/namespaces/redis/pods");
//   if (!r.ok()) return r.status();                       // transport error
//   if (Status s = StatusFromResponse(*r, "list pods"); !s.ok()) return s;  // HTTP error
//
// TLS: the server certificate is verified against ClusterConfig::ca_pem (or the system roots)
// and must name the server's host: a DNS SAN for a host name (also sent as SNI), an IP SAN for an
// address such as 127.0.0.1. Client certificates and bearer tokens are supported; a token_file is
// re-read whenever its mtime changes.
//
// Connections are kept alive and reused through a small pool of idle connections shared by all
// threads (at most kMaxIdleConnections are kept). A request on a reused connection that fails
// before any byte of the response arrived, because the server had closed the idle connection, is
// retried once on a new connection when that is safe: always if the request could not be written,
// and otherwise only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS). A POST or PATCH
// whose request was sent is never replayed.
//
// Metrics (when a registry is given):
//   redispair_api_requests_total{method,code}       every call; method is the HTTP method, or
//                                                   WATCH for Watch(); code is the HTTP status or
//                                                   "error" for transport failures
//   redispair_api_write_requests_total{method}      POST, PUT, PATCH and DELETE only
//   redispair_api_request_duration_seconds{method}  Request() latency (not watches)
//
// Thread-safety: all methods may be called concurrently from any number of threads, including
// from inside a Watch callback. The client must outlive its calls.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kube/config.h"
#include "util/status.h"

namespace redispair {
class Metrics;
}

namespace redispair::kube {

struct HttpResponse {
  int status = 0;
  std::string body{};
  std::string content_type{};
};

struct RequestOptions {
  // Deadline for the whole call: connect, TLS handshake, write and read.
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // Content-Type of the body; "application/json" when empty and there is a body. Use
  // "application/apply-patch+yaml" for server-side apply, "application/merge-patch+json" etc.
  std::string content_type{};
  std::string accept = "application/json";
};

class ApiClient {
 public:
  // Idle connections kept for reuse; more concurrent callers simply open more connections.
  static constexpr size_t kMaxIdleConnections = 8;
  // Bound on a Request() response body (a full LIST of a big namespace fits easily).
  static constexpr uint64_t kMaxResponseBytes = 1ull << 30;

  // `metrics` may be null; otherwise it must outlive the client. A config that cannot be used
  // (malformed server URL, unreadable PEM) does not fail here: init_status() reports it and every
  // call returns it.
  ApiClient(ClusterConfig config, Metrics* metrics);
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;
  // Closes all connections. No call may be in progress.
  ~ApiClient();

  // OK if the config was usable (TLS context built, server URL parsed).
  const Status& init_status() const;

  // One request to `target` (an absolute path with query, e.g. "/api/v1/pods?limit=500"; the
  // server URL's path prefix, if any, is prepended). Returns the response for ANY HTTP status;
  // callers map codes with StatusFromResponse(). Errors only for transport problems: connection
  // refused, TLS failure, timeout => Unavailable; Cancelled after Shutdown(); the init_status()
  // error for an unusable config.
  StatusOr<HttpResponse> Request(std::string_view method, std::string_view target,
                                 std::string_view body = {}, const RequestOptions& opts = {});

  // Streams a watch: GETs `target` (which already has watch=1) and calls on_line for every
  // complete newline-terminated line of the body as it arrives, whatever the chunking. Returns
  //   OK           when the server ends the stream normally (e.g. timeoutSeconds elapsed);
  //   Gone         if the HTTP status is 410;
  //   the StatusFromResponse() error for any other non-200 status;
  //   Unavailable  on transport errors, or if no byte arrives for `idle_timeout`;
  //   InvalidArgument if one line exceeds LineSplitter::kDefaultMaxLineBytes;
  //   Cancelled    after Shutdown(), or as soon as on_line returns false.
  // Connecting and receiving the response header are bounded by `idle_timeout` too.
  Status Watch(std::string_view target, const std::function<bool(std::string_view line)>& on_line,
               std::chrono::milliseconds idle_timeout);

  // Makes every in-flight and future call return Cancelled promptly (within ~100 ms), including
  // a thread blocked in Watch(). Irreversible. Used on SIGTERM. (One exception: a DNS lookup of
  // a server host name that is in progress finishes first; IP-address servers never resolve.)
  void Shutdown();

 private:
  struct Impl;  // connection pool, TLS context, token cache; in api_client.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace redispair::kube
