#include "cmd/operator_command.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cmd/flags.h"
#include "controller/controller.h"
#include "controller/replication_probe.h"
#include "kube/api_client.h"
#include "kube/client.h"
#include "kube/config.h"
#include "metrics/metrics.h"
#include "server/ops_server.h"
#include "util/log.h"

namespace redispair::cmd {
namespace {

// The image master pods copy the static importer from: the operator's own, which the Deployment
// names in REDISPAIR_IMPORTER_IMAGE (scripts/01-redis-up.sh sets it with the container's image).
// An environment variable rather than a read of the operator's own Pod, which would need `get` on
// every pod of the namespace. Unset (outside a cluster, as in the integration tests): master pods
// get no importer, and redisImport.sh falls back to a short-lived importer pod.
std::string ImporterImage() {
  const char* image = std::getenv("REDISPAIR_IMPORTER_IMAGE");
  if (image == nullptr || *image == '\0') {
    LogInfo("REDISPAIR_IMPORTER_IMAGE unset: master pods get no importer");
    return "";
  }
  return image;
}

constexpr const char* kUsage = R"(Usage: redispair operator [flags]

Runs the RedisPair controller until SIGTERM or SIGINT.

Flags:
  --kubeconfig PATH      kubeconfig to use (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --context NAME         kubeconfig context (default: current-context)
  --namespace NS         namespace to watch (default: $WATCH_NAMESPACE, else the in-cluster
                         namespace, else the kubeconfig context's namespace)
  --all-namespaces       watch every namespace (needs a ClusterRole)
  --ops-address ADDR     bind address for /healthz, /readyz, /metrics (default 0.0.0.0)
  --ops-port PORT        port for them (default 8080; 0 picks a free port, logged at start)
  --workers N            concurrent reconciles (default 2)
  --log-level LEVEL      debug, info, warn, error (default info)
)";

// Blocks SIGTERM/SIGINT in every thread (call before starting any), so that one thread can wait
// for them with sigwait and shut down in an orderly way rather than in a signal handler.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

StatusOr<OperatorFlags> ParseOperatorFlags(int argc, char** argv) {
  OperatorFlags flags;
  std::string log_level;
  FlagSet set;
  set.String({"--kubeconfig"}, &flags.kubeconfig);
  set.String({"--context"}, &flags.context);
  set.String({"--namespace", "-n"}, &flags.namespace_);
  set.Bool({"--all-namespaces"}, &flags.all_namespaces);
  set.String({"--ops-address"}, &flags.ops_address, /*allow_empty=*/false);
  set.Int({"--ops-port"}, 0, 65535, &flags.ops_port);
  set.Int({"--workers"}, 1, kMaxWorkers, &flags.workers);
  set.String({"--log-level"}, &log_level);
  if (Status s = set.Parse(argc, argv); !s.ok()) return s;
  flags.help = set.help();
  if (!log_level.empty() && !ParseLogLevel(log_level, &flags.log_level)) {
    return Status::InvalidArgument("--log-level must be debug, info, warn or error, not \"" +
                                   log_level + "\"");
  }
  return flags;
}

int RunOperatorCommand(int argc, char** argv) {
  StatusOr<OperatorFlags> parsed = ParseOperatorFlags(argc, argv);
  if (std::optional<int> exit = ExitForUsage(parsed, "redispair operator", kUsage)) return *exit;
  const OperatorFlags& flags = *parsed;
  SetLogLevel(flags.log_level);
  auto config = kube::LoadClusterConfig(flags.kubeconfig, flags.context);
  if (!config.ok()) {
    LogError("cannot load cluster configuration", {{"error", config.status().ToString()}});
    return 1;
  }
  std::string ns = flags.namespace_;
  if (ns.empty()) {
    const char* env = std::getenv("WATCH_NAMESPACE");
    ns = env && *env ? env : config->default_namespace;
  }
  if (flags.all_namespaces) ns.clear();

  const sigset_t signals = BlockShutdownSignals();
  Metrics metrics;
  kube::ApiClient client(*config, &metrics);
  if (!client.init_status().ok()) {
    LogError("cannot use cluster configuration", {{"error", client.init_status().ToString()}});
    return 1;
  }
  HiredisProber prober;
  std::unique_ptr<kube::KubeClient> kube_client = kube::NewKubeClient(&client);
  Controller controller(kube_client.get(), &metrics, &prober, {ns, flags.workers, ImporterImage()});
  OpsServer ops(
      flags.ops_address, static_cast<uint16_t>(flags.ops_port), &metrics,
      [&] { return controller.Healthy(); }, [&] { return controller.Readiness(); });
  Status started = ops.Start();
  if (!started.ok()) {
    LogError("cannot start ops server", {{"error", started.ToString()}});
    return 1;
  }
  LogInfo("operator starting", {{"server", config->server},
                                {"namespace", ns.empty() ? "*" : ns},
                                {"ops_port", ops.port()},
                                {"workers", flags.workers}});

  std::atomic<bool> signalled{false};
  std::thread signal_waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    signalled = true;
    LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    controller.Stop();
    client.Shutdown();
  });
  controller.Run();
  // Run() returns early only when the caches never synced before a stop; wake the waiter then.
  if (!signalled) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  ops.Stop();
  LogInfo("operator stopped");
  return 0;
}

}  // namespace redispair::cmd
