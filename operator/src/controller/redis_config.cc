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
  if (p.role == RedisRole::kMaster) {
    // The master's data must survive pod deletion: AOF, fsync every second, on the PVC.
    c += "appendonly yes\n";
    c += "appendfsync everysec\n";
    c += "save \"\"\n";
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

std::vector<std::string> RedisLauncherArgs() {
  // Quoting for redis.conf: the value goes inside double quotes, so escape \ and ". sed reads the
  // password on stdin (printf is a shell builtin), never from argv. The here-document reaches
  // redis-server through a pipe (dash), so nothing is written to disk.
  static const char* kLauncher = R"(set -eu
if [ -n "${REDISCLI_AUTH:-}" ]; then
  pw=$(printf '%s' "$REDISCLI_AUTH" | sed 's/[\\"]/\\&/g')
  exec redis-server - <<EOF
$REDIS_CONFIG
requirepass "$pw"
masterauth "$pw"
EOF
fi
exec redis-server - <<EOF
$REDIS_CONFIG
EOF
)";
  return {"sh", "-c", kLauncher};
}

std::vector<std::string> LivenessCommand() {
  return {"sh", "-c", "out=$(" + RedisCli("127.0.0.1") + R"( ping 2>&1) || true
case "$out" in *PONG*|*LOADING*) exit 0 ;; esac
echo "$out"; exit 1)"};
}

std::vector<std::string> MasterReadinessCommand() {
  return {"sh", "-c", "out=$(" + RedisCli("127.0.0.1") + R"( ping 2>&1) || true
[ "$out" = PONG ] && exit 0
echo "$out"; exit 1)"};
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
