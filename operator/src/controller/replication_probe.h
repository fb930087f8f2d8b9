// Talks to the Redis servers of a pair with hiredis: reads what the status and the data-safety
// step need (INFO replication, keyspace, persistence; the default user's password digests), and
// runs the few commands the operator sends (REPLICAOF, CONFIG SET appendonly, ACL SETUSER
// default). The seam (an interface) lets the reconciler be tested without a server; the
// integration and end-to-end tests use the real one.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "controller/observation.h"
#include "util/status.h"

namespace redispair {

class ReplicationProber {
 public:
  virtual ~ReplicationProber() = default;
  // Connects, authenticates when `password` is non-empty (the operator's password, launcher.h),
  // and reads INFO replication, keyspace and persistence, and with a password also
  // ACL GETUSER default. Errors say what failed ("connect 10.0.0.5:6379: Connection refused",
  // "AUTH on ...: WRONGPASS ..."), never the password.
  virtual StatusOr<ReplicationInfo> Probe(const std::string& host, int port,
                                          const std::string& password) = 0;
  // Connects and authenticates in the same way, then runs `argv`; returns a status or string
  // reply as text ("OK"). An error reply is Unavailable with the server's message. `argv` may
  // hold password digests, never passwords; it is not logged.
  virtual StatusOr<std::string> Command(const std::string& host, int port,
                                        const std::string& password,
                                        const std::vector<std::string>& argv) = 0;
};

// Thread-safe: every call opens its own connection, bounded by `timeout` for connect and reply.
class HiredisProber : public ReplicationProber {
 public:
  explicit HiredisProber(std::chrono::milliseconds timeout = std::chrono::milliseconds(1000))
      : timeout_(timeout) {}
  StatusOr<ReplicationInfo> Probe(const std::string& host, int port,
                                  const std::string& password) override;
  StatusOr<std::string> Command(const std::string& host, int port, const std::string& password,
                                const std::vector<std::string>& argv) override;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace redispair
