#include "cmd/operator_command.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "controller/controller.h"
#include "controller/replication_probe.h"
#include "kube/api_client.h"
#include "kube/client.h"
#include "kube/config.h"
#include "metrics/metrics.h"
#include "server/ops_server.h"
#include "util/log.h"

namespace redispair {
namespace {

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

struct Flags {
  std::string kubeconfig;
  std::string context;
  std::string namespace_;
  bool all_namespaces = false;
  std::string ops_address = "0.0.0.0";
  int ops_port = 8080;
  int workers = 2;
};

bool ParseFlags(int argc, char** argv, Flags* f, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // Both "--flag value" and "--flag=value", as Go's flag package accepts.
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    auto value = [&](std::string* out) {
      if (inline_value) {
        *out = *inline_value;
        return true;
      }
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--kubeconfig") {
      if (!value(&f->kubeconfig)) return false;
    } else if (arg == "--context") {
      if (!value(&f->context)) return false;
    } else if (arg == "--namespace" || arg == "-n") {
      if (!value(&f->namespace_)) return false;
    } else if (arg == "--all-namespaces" && !inline_value) {
      f->all_namespaces = true;
    } else if (arg == "--ops-address") {
      if (!value(&f->ops_address)) return false;
    } else if (arg == "--ops-port" || arg == "--workers" || arg == "--log-level") {
      if (!value(&v)) return false;
      if (arg == "--log-level") {
        LogLevel level;
        if (!ParseLogLevel(v, &level)) {
          *error = "--log-level must be debug, info, warn or error, not \"" + v + "\"";
          return false;
        }
        SetLogLevel(level);
        continue;
      }
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 65535) {
        *error = arg + " must be a number, not \"" + v + "\"";
        return false;
      }
      (arg == "--ops-port" ? f->ops_port : f->workers) = static_cast<int>(n);
    } else {
      *error = "unknown flag " + arg;
      return false;
    }
  }
  if (f->workers < 1) {
    *error = "--workers must be at least 1";
    return false;
  }
  return true;
}

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

int RunOperatorCommand(int argc, char** argv) {
  Flags flags;
  std::string error;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  if (!ParseFlags(argc, argv, &flags, &error)) {
    std::fprintf(stderr, "redispair operator: %s\n\n%s", error.c_str(), kUsage);
    return 2;
  }
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
  Controller controller(kube_client.get(), &metrics, &prober, {ns, flags.workers});
  OpsServer ops(
      flags.ops_address, static_cast<uint16_t>(flags.ops_port), &metrics,
      [&] { return controller.Healthy(); }, [&] { return controller.Ready(); });
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

}  // namespace redispair
