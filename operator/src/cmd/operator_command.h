// `redispair operator`: runs the controller until SIGTERM/SIGINT.
#pragma once

#include <string>

#include "util/log.h"
#include "util/status.h"

namespace redispair::cmd {

struct OperatorFlags {
  std::string kubeconfig;  // empty: $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;     // empty: the kubeconfig's current-context
  std::string namespace_;  // empty: $WATCH_NAMESPACE, else the configuration's namespace
  bool all_namespaces = false;
  std::string ops_address = "0.0.0.0";
  int ops_port = 8080;
  int workers = 2;
  LogLevel log_level = LogLevel::kInfo;
  bool help = false;
};

// The most concurrent reconciles --workers allows: each holds API connections, and beyond a few
// dozen they only queue behind each other at the API server.
inline constexpr int kMaxWorkers = 64;

// Parses argv (argv[0] is "operator") with FlagSet (flags.h). InvalidArgument names the flag
// that is unknown, lacks a value or has one out of range.
StatusOr<OperatorFlags> ParseOperatorFlags(int argc, char** argv);

// argv[0] is "operator". Returns the process exit code.
int RunOperatorCommand(int argc, char** argv);

}  // namespace redispair::cmd
