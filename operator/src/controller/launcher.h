// The container launcher: the shell script both roles start with (container args, so the image's
// entrypoint stays in charge). It turns the environment into redis-server's configuration and
// execs redis-server, so that redis-server is PID 1 and receives SIGTERM directly.
//
// Environment:
//   REDIS_CONFIG            the role's redis.conf (RenderRedisConfig), without auth lines
//   REDISPAIR_PASSWORD      the clients' password, from spec.auth's Secret (auth on only)
//   REDISCLI_AUTH           the operator's password, from "<name>-operator-auth" (auth on only);
//                           also what redis-cli in the pod, the probes and the INFO job use
//   REDISPAIR_REFILL_FROM   master only: host:port of the replicas (their headless Service)
//
// Auth. The default user accepts both passwords (as SHA-256 hashes, so no password is written in
// the configuration), and the replica authenticates to the master with the operator's. The
// clients' password can therefore change at runtime (the operator sends ACL SETUSER) without a
// restart and without touching replication or the probes. The clients' password is normalised as
// everywhere else (util/password.h): one trailing line ending dropped; an empty or multi-line
// password makes the launcher refuse to start, saying why.
//
// The empty-master guard (master only). The replica keeps nothing on disk, so it holds the only
// other copy of the data; a master that starts on a new, empty volume would wipe it with a full
// resync. Before redis-server listens, when the data directory holds no AOF and no RDB, the
// launcher asks every replica pod for its key count:
//   - no replica pod (the name does not resolve), connection refused, or 0 keys: nothing to lose;
//     redis-server starts as an empty master at once (a new pair costs no delay);
//   - N > 0 keys: the launcher detaches that replica (REPLICAOF NO ONE; nothing of ours listens
//     yet, so it cannot have resynced), then starts redis-server as ITS replica, with the AOF off
//     so that the volume stays empty until the data is complete. The operator finishes the refill
//     (refill.h): AOF on, then the roles put back, which PSYNC continues without a second full
//     sync;
//   - no answer (a timeout, an unknown reply): uncertain. It asks again for
//     kRefillGuardSeconds (REDISPAIR_REFILL_GUARD_SECONDS overrides it), then exits non-zero
//     rather than start empty; the kubelet restarts it and it asks again.
// Every decision is one log line starting "redispair-launcher:".
#pragma once

#include <string>
#include <vector>

namespace redispair {

inline constexpr const char* kClientPasswordEnv = "REDISPAIR_PASSWORD";
inline constexpr const char* kOperatorPasswordEnv = "REDISCLI_AUTH";
inline constexpr const char* kRefillFromEnv = "REDISPAIR_REFILL_FROM";
// How long an uncertain answer is asked again before the launcher gives up for this start. It
// stays below the master's liveness budget (15 s initial delay + 6 x 10 s), which would otherwise
// kill the launcher first.
inline constexpr int kRefillGuardSeconds = 45;

// The container args: ["sh", "-c", <launcher>].
std::vector<std::string> RedisLauncherArgs();

}  // namespace redispair
