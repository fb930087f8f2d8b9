#include "kube/connection_pool.h"

namespace redispair::kube {

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(std::move(other.conn_)), keep_(other.keep_) {}

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_), keep_);
}

ConnectionPool::ConnectionPool(ServerUrl url, boost::asio::ssl::context* tls, size_t max_idle)
    : url_(std::move(url)), tls_(tls), max_idle_(max_idle) {}

ConnectionPool::~ConnectionPool() = default;

StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return Status::Cancelled("API client is shutting down");
  std::unique_ptr<Connection> conn;
  while (!idle_.empty() && !conn) {
    conn = std::move(idle_.back());  // most recently used first: likeliest to be alive
    idle_.pop_back();
    if (!conn->LooksReusable()) conn.reset();  // closed by the server while idle
  }
  if (!conn) conn = std::make_unique<Connection>(url_, tls_);
  active_.insert(conn.get());
  return Lease(this, std::move(conn));
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn, bool keep) {
  std::lock_guard<std::mutex> lock(mu_);
  active_.erase(conn.get());
  // Checking shut_down_ under mu_ matters: a connection Shutdown() aborted must not be pooled.
  if (keep && !shut_down_ && idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

void ConnectionPool::Shutdown() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    for (Connection* conn : active_) conn->Abort();
    idle.swap(idle_);
  }
  // `idle` is closed here, outside the lock.
}

}  // namespace redispair::kube
