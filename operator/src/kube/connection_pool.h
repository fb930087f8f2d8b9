// Internal to rp_kube: keep-alive connections to one API server, shared by all threads.
//
// A caller checks a connection out with Acquire() for one exchange and gets a Lease. When the
// lease ends the connection goes back to the idle list if the caller said Keep() (a complete
// response on a keep-alive connection), else it is closed. Idle connections the server closed
// meanwhile are detected (without blocking) and dropped at the next Acquire().
//
// Checked-out connections are registered so that Shutdown() can abort them from any thread.
//
// Thread-safe. The pool must outlive its leases.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "kube/connection.h"
#include "util/status.h"

namespace redispair::kube {

class ConnectionPool {
 public:
  // `tls` is null for http://, otherwise it must outlive the pool. At most `max_idle`
  // connections are kept; more concurrent callers simply open more connections.
  ConnectionPool(ServerUrl url, boost::asio::ssl::context* tls, size_t max_idle);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    // A fresh (not yet connected) or reused connection, owned by the lease.
    Connection& conn() { return *conn_; }
    // Return the connection to the pool when the lease ends.
    void Keep() { keep_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn);
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
    bool keep_ = false;
  };

  // An idle connection, else a new unconnected one. Cancelled after Shutdown().
  StatusOr<Lease> Acquire();

  // Aborts every checked-out connection (their blocked calls fail within milliseconds), closes
  // the idle ones, and makes later Acquire() calls fail. Irreversible.
  void Shutdown();
  bool shut_down() const { return shut_down_.load(); }

 private:
  void Release(std::unique_ptr<Connection> conn, bool keep);

  const ServerUrl url_;
  boost::asio::ssl::context* const tls_;
  const size_t max_idle_;
  std::atomic<bool> shut_down_{false};
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::unordered_set<Connection*> active_;         // guarded by mu_
};

}  // namespace redispair::kube
