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
// Every connection has TCP keepalive on (see Connection::Connect for the timings), so that a peer
// that vanished without closing (a host that died, NAT or load-balancer state that was dropped)
// fails a blocked read within about a minute even when no timeout of ours is running.
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

// How long a watch may stay silent. The API server's watch cache sends a BOOKMARK to every watch
// that allows them about once a minute (k8s.io/apiserver v0.34.0, pkg/storage/cacher/cacher.go:
// defaultBookmarkFrequency = time.Minute; cache_watcher.go, nextBookmarkTime: "roughly every
// minute", in 1 s buckets that a timer pops every 1-1.25 s), and one 2 s before the watch's
// timeoutSeconds. A bookmark is only sent once the watch cache's resourceVersion has moved past
// the watch's (cache_watcher.go, process), which etcd's progress notifications guarantee on a
// quiet resource: kubeadm, and so minikube, runs etcd with --watch-progress-notify-interval=5s
// (cmd/kubeadm/app/phases/etcd/local.go). So a healthy watch hears from the server every ~62 s.
inline constexpr std::chrono::seconds kBookmarkInterval{60};
// No byte for a bookmark interval plus 15 s means the connection is dead: a half-open TCP
// connection after a load-balancer failover, a frozen API server host. The API server uses the
// same margin for the same reason (DefaultEventFreshDuration = defaultBookmarkFrequency + 15 s,
// "to maximize chances that last bookmark was sent"). On a server whose etcd sends no progress
// notifications, a watch of a resource that nothing changes gets no bookmarks: it then ends every
// 75 s and is resumed from its resourceVersion, which costs one watch request.
inline constexpr std::chrono::seconds kWatchIdleTimeout =
    kBookmarkInterval + std::chrono::seconds(15);
// Connecting, TLS and the response header of a watch. The API server answers a watch at once
// (it flushes the header before waiting for events); 15 s leave room for a loaded server.
inline constexpr std::chrono::seconds kWatchOpenTimeout{15};
// The operator's bound on running without a live watch: a dead watch is found within the idle
// timeout, and its replacement has one open timeout to be accepted. 90 s.
inline constexpr std::chrono::seconds kWatchLivenessBound = kWatchIdleTimeout + kWatchOpenTimeout;

// The bounds of one watch stream. Two timeouts, because the two phases fail differently: a
// healthy API server answers a watch at once (it flushes the response header before the first
// event), while the body of a healthy watch may rightly be quiet for a minute between events.
struct WatchStreamOptions {
  // Connecting, the TLS handshake, sending the request and receiving the response header,
  // together.
  std::chrono::milliseconds open_timeout{kWatchOpenTimeout};
  // The body: the longest silence between two reads before the connection is declared dead.
  std::chrono::milliseconds idle_timeout{kWatchIdleTimeout};
  // Called once the server accepted the watch (HTTP 200 header received), before any line: the
  // caller's proof that the connection works even before the first event. May be empty.
  std::function<void()> on_open{};
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
  //   Unavailable  on transport errors, when connecting and the response header take longer
  //                than options.open_timeout, or when no byte of the body arrives for
  //                options.idle_timeout;
  //   InvalidArgument if one line exceeds LineSplitter::kDefaultMaxLineBytes;
  //   Cancelled    after Shutdown(), or as soon as on_line returns false.
  Status Watch(std::string_view target, const WatchStreamOptions& options,
               const std::function<bool(std::string_view line)>& on_line);

  // Makes every in-flight and future call return Cancelled promptly (within ~100 ms), including
  // a thread blocked in Watch(). Irreversible. Used on SIGTERM. (One exception: a DNS lookup of
  // a server host name that is in progress finishes first; IP-address servers never resolve.)
  void Shutdown();

 private:
  struct Impl;  // connection pool, TLS context, token cache; in api_client.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace redispair::kube
