// The narrow seam between the importer and a Redis server.
//
// The importer only needs to queue commands, read their replies in order, and make a few
// synchronous calls; tests substitute a fake, production uses hiredis (ConnectRedis).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "importer/argv.h"
#include "util/status.h"

namespace redispair::importer {

struct Reply {
  enum class Type { kStatus, kError, kInteger, kString, kNil, kArray, kOther };
  Type type = Type::kNil;
  std::string str;        // the text of a status, error or string reply
  long long integer = 0;  // the value of an integer reply
};

// Not thread-safe: one connection, used from one thread.
class RedisClient {
 public:
  virtual ~RedisClient() = default;

  // Queues a command. It may stay buffered until ReadReply() needs its reply.
  virtual Status Append(const Argv& argv) = 0;

  // Flushes what is queued and waits for the reply of the oldest command still unanswered.
  // A Redis error reply is a successful read of type kError, and so is an array (EXEC) with an
  // error element; a non-OK Status means the connection is broken (closed, timed out, protocol
  // error) and the client is unusable.
  virtual Status ReadReply(Reply* reply) = 0;

  // Append + ReadReply for one command; only valid when no reply is pending.
  StatusOr<Reply> Call(const Argv& argv);
};

struct ConnectOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // empty: no AUTH
  // How long to wait for the TCP connection, and then for any one reply. Generous: a pipelined
  // batch of large values may legitimately take seconds, but a dead server must not hang us.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{60000};
};

// Connects, authenticates when a password is given, and checks the server answers PING.
// Errors: Unavailable (cannot connect), PermissionDenied (wrong or missing password).
StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(const ConnectOptions& options);

}  // namespace redispair::importer
