// Reads `INFO replication` from a Redis server with hiredis. The seam (an interface) lets the
// reconciler be tested without a server; the integration tests use the real one.
#pragma once

#include <chrono>
#include <string>

#include "controller/observation.h"
#include "util/status.h"

namespace redispair {

class ReplicationProber {
 public:
  virtual ~ReplicationProber() = default;
  // Connects, authenticates when `password` is non-empty, runs INFO replication. Errors say what
  // failed ("connect 10.0.0.5:6379: Connection refused", "AUTH: WRONGPASS ..."), never the
  // password.
  virtual StatusOr<ReplicationInfo> Probe(const std::string& host, int port,
                                          const std::string& password) = 0;
};

// Thread-safe: every call opens its own connection, bounded by `timeout` for connect and reply.
class HiredisProber : public ReplicationProber {
 public:
  explicit HiredisProber(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000))
      : timeout_(timeout) {}
  StatusOr<ReplicationInfo> Probe(const std::string& host, int port,
                                  const std::string& password) override;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace redispair
