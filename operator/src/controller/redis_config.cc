#include "controller/redis_config.h"

namespace redispair {
namespace {

// redis-cli against `host` on the Redis port, as the probes and the INFO job run it.
std::string RedisCli(const std::string& host) {
  return "redis-cli -h " + host + " -p " + std::to_string(names::kRedisPort);
}

}  // namespace

RedisConfigParams ConfigParamsFor(const RedisPair& rp, RedisRole role) {
  RedisConfigParams p;
  p.role = role;
  p.port = names::kRedisPort;
  if (role == RedisRole::kReplica) p.master_host = names::MasterDns(rp);
  const Resources& resources =
      role == RedisRole::kMaster ? rp.spec.master_resources : rp.spec.replica_resources;
  const auto limit = resources.limits.find("memory");
  p.memory = ComputeMemoryBudget(limit == resources.limits.end() ? 0 : QuantityBytes(limit->second),
                                 QuantityBytes(rp.spec.maxmemory), rp.spec.maxmemory_policy);
  return p;
}

std::string RenderRedisConfig(const RedisConfigParams& p) {
  std::string c;
  c += "# Rendered by redispair-operator. Role: ";
  c += p.role == RedisRole::kMaster ? "master\n" : "replica\n";
  c += "bind * -::*\n";
  c += "port " + std::to_string(p.port) + "\n";
  // Reachable through NodePorts from the host; auth (on by default) protects it instead.
  c += "protected-mode no\n";
  c += "dir " + p.data_dir + "\n";
  c += "tcp-keepalive 60\n";
  // Replication over the pod network without temporary RDB files on either side.
  c += "repl-diskless-sync yes\n";
  c += "repl-diskless-sync-delay 0\n";
  // Memory: a bound on the data set that leaves room inside the container's limit for the fork of
  // an AOF rewrite or a full sync, and for the replication buffers (memory_budget.h).
  const MemoryBudget& m = p.memory;
  if (m.maxmemory > 0) c += "maxmemory " + std::to_string(m.maxmemory) + "\n";
  c += "maxmemory-policy " + m.policy + "\n";
  if (m.repl_backlog > 0) c += "repl-backlog-size " + std::to_string(m.repl_backlog) + "\n";
  if (m.replica_buffer_hard > 0) {
    c += "client-output-buffer-limit replica " + std::to_string(m.replica_buffer_hard) + " " +
         std::to_string(m.replica_buffer_soft) + " 60\n";
  }
  if (p.role == RedisRole::kMaster) {
    // The master's data must survive pod deletion: AOF, fsync every second, on the PVC.
    c += "appendonly yes\n";
    c += "appendfsync everysec\n";
    c += "save \"\"\n";
    // While it is refilled from the replica (launcher.h) it is a replica itself: load the data
    // straight from the socket, so that nothing lands on the volume before the data is complete.
    c += "repl-diskless-load on-empty-db\n";
  } else {
    // The replica keeps nothing: it resyncs from the master on every start.
    c += "appendonly no\n";
    c += "save \"\"\n";
    c += "replicaof " + p.master_host + " " + std::to_string(p.port) + "\n";
    c += "replica-read-only yes\n";
    c += "replica-serve-stale-data yes\n";
    c += "repl-diskless-load on-empty-db\n";
  }
  return c;
}

std::vector<std::string> LivenessCommand() {
  return {"sh", "-c", "out=$(" + RedisCli("127.0.0.1") + R"( ping 2>&1) || true
case "$out" in *PONG*|*LOADING*) exit 0 ;; esac
echo "$out"; exit 1)"};
}

std::vector<std::string> MasterReadinessCommand() {
  // PING first: INFO answers even while the AOF is still loading.
  const std::string cli = RedisCli("127.0.0.1");
  return {"sh", "-c",
          "out=$(" + cli + R"( ping 2>&1) || true
[ "$out" = PONG ] && out=$()" +
              cli + R"( info replication 2>&1) || true
case "$out" in *role:master*) exit 0 ;; esac
echo "$out" | grep -E '^role:|master_host|master_link_status|ERR|NOAUTH|LOADING' || echo "$out"; exit 1)"};
}

std::vector<std::string> ReplicaReadinessCommand() {
  return {"sh", "-c", "out=$(" + RedisCli("127.0.0.1") + R"( info replication 2>&1) || true
case "$out" in *master_link_status:up*) exit 0 ;; esac
echo "$out" | grep -E 'master_link_status|ERR|NOAUTH' || echo "$out"; exit 1)"};
}

std::vector<std::string> InfoJobArgs(const RedisPair& rp) {
  const std::string master = names::MasterService(rp) + "." + rp.namespace_ + ".svc";
  const std::string replica = names::ReplicaService(rp) + "." + rp.namespace_ + ".svc";
  std::string script = "set -eu\n";
  script += "date -u '+%Y-%m-%dT%H:%M:%SZ INFO replication'\n";
  script += "echo '# master (" + master + ")'\n";
  script += RedisCli(master) + " info replication\n";
  script += "echo '# replica (" + replica + ")'\n";
  script += RedisCli(replica) + " info replication\n";
  return {"sh", "-c", script};
}

}  // namespace redispair
