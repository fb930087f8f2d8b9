// The Redis server configuration for each role, and the probes and INFO job that talk to it.
//
// Secrets never appear here: the launcher (launcher.h) adds the auth lines from the environment.
#pragma once

#include <string>
#include <vector>

#include "controller/memory_budget.h"
#include "controller/names.h"
#include "controller/redispair.h"

namespace redispair {

enum class RedisRole { kMaster, kReplica };

// Where Redis keeps its data inside the pod: the data volume (names::kDataVolume), so the root
// filesystem can stay read-only.
inline constexpr const char* kDataDir = "/data";
// Where the master's redis container finds the importer (names::kImporterVolume), as
// kImporterDir/redispair-import; also its spool directory (TMPDIR), as the root is read-only.
inline constexpr const char* kImporterDir = "/opt/redispair";
inline constexpr const char* kConfigEnv = "REDIS_CONFIG";

struct RedisConfigParams {
  RedisRole role = RedisRole::kMaster;
  std::string master_host;  // replicas only: the master's DNS name
  int port = names::kRedisPort;
  std::string data_dir = kDataDir;
  MemoryBudget memory;  // from the role's memory limit and spec.redis (memory_budget.h)
};

RedisConfigParams ConfigParamsFor(const RedisPair& rp, RedisRole role);

// redis.conf text for the role, without auth lines.
std::string RenderRedisConfig(const RedisConfigParams& params);

// Probe commands (exec), authenticated with the operator's password (REDISCLI_AUTH), which never
// changes at runtime. Liveness accepts LOADING, so a master replaying a large AOF is not killed;
// master readiness requires role:master, so a master still being refilled from the replica
// (launcher.h) takes no client traffic; replica readiness requires master_link_status:up. No
// probe of one role contacts the other.
std::vector<std::string> LivenessCommand();
std::vector<std::string> MasterReadinessCommand();
std::vector<std::string> ReplicaReadinessCommand();

// The INFO CronJob's script: INFO replication from the master, then from the replica.
std::vector<std::string> InfoJobArgs(const RedisPair& rp);

}  // namespace redispair
