// The operator's operations endpoint: one HTTP/1.1 port serving
//
//   GET /healthz  200 "ok" while healthy() is true, else 500 "unhealthy"
//   GET /readyz   200 "ok" while ready() is OK, else 503 "not ready: <its message>"
//   GET /metrics  200, Metrics::Render(), Content-Type "text/plain; version=0.0.4"
//   anything else 404 (405 for a known path with a method other than GET/HEAD)
//
// Requests are served on one background thread running an asynchronous Beast server, so a slow
// or stuck client cannot block the others (each connection has a 10 s read/write deadline) and
// Stop() returns promptly. Keep-alive is supported.
//
// Thread-safety: Start(), Stop() and the destructor must not be called concurrently with each
// other; port() may be called from any thread. The `healthy` and `ready` callbacks run on the
// server thread, so they must be thread-safe and quick (read an atomic, do not do I/O). ready()
// says why when it fails, so that a probe's output names the cause (the operator's: which
// informer has no live watch, since when, and its last error).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "util/status.h"

namespace redispair {

class Metrics;

class OpsServer {
 public:
  // `metrics` may be null (then /metrics serves only the process metrics of an empty registry)
  // and must otherwise outlive the server. Null callbacks count as healthy and ready.
  OpsServer(std::string bind_address, uint16_t port, Metrics* metrics,
            std::function<bool()> healthy, std::function<Status()> ready);
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;
  // Stops the server if it is running.
  ~OpsServer();

  // Binds and listens (port 0 picks an ephemeral port), then starts the server thread. Returns
  // InvalidArgument for a bad address, Unavailable if the port cannot be bound, and
  // Internal if already started.
  Status Start();

  // The bound port once Start() succeeded (useful with port 0), else the requested port.
  uint16_t port() const;

  // Closes the listener and all connections and joins the server thread. Idempotent.
  void Stop();

 private:
  struct Impl;  // Beast/Asio state, kept out of this header.
  std::unique_ptr<Impl> impl_;
};

}  // namespace redispair
