// The Redis server configuration for each role, and the launcher that starts redis-server with it.
//
// Secrets never appear here. The launcher reads the password from the REDISCLI_AUTH environment
// variable (set from the Secret) and hands redis-server its whole configuration on stdin through a
// here-document, so the password is in no process's argv and on no disk.
#pragma once

#include <string>
#include <vector>

#include "controller/names.h"
#include "controller/redispair.h"

namespace redispair {

enum class RedisRole { kMaster, kReplica };

// Where Redis keeps its data inside the pod: the data volume (names::kDataVolume), so the root
// filesystem can stay read-only.
inline constexpr const char* kDataDir = "/data";
// The variable redis-cli reads its password from; the launcher and the probes use it too.
inline constexpr const char* kPasswordEnv = "REDISCLI_AUTH";
inline constexpr const char* kConfigEnv = "REDIS_CONFIG";

struct RedisConfigParams {
  RedisRole role = RedisRole::kMaster;
  std::string master_host;  // replicas only: the master's DNS name
  int port = names::kRedisPort;
  std::string data_dir = kDataDir;
};

RedisConfigParams ConfigParamsFor(const RedisPair& rp, RedisRole role);

// redis.conf text for the role, without auth lines.
std::string RenderRedisConfig(const RedisConfigParams& params);

// The container args: ["sh", "-c", <launcher>]. It expects the config text in $REDIS_CONFIG and
// the password (optional) in $REDISCLI_AUTH, appends requirepass/masterauth, then execs
// redis-server so that it is PID 1 and receives SIGTERM directly.
std::vector<std::string> RedisLauncherArgs();

// Probe commands (exec). Liveness accepts LOADING, so a master replaying a large AOF is not
// killed; replica readiness requires master_link_status:up. No probe of one role contacts the
// other.
std::vector<std::string> LivenessCommand();
std::vector<std::string> MasterReadinessCommand();
std::vector<std::string> ReplicaReadinessCommand();

// The INFO CronJob's script: INFO replication from the master, then from the replica.
std::vector<std::string> InfoJobArgs(const RedisPair& rp);

}  // namespace redispair
