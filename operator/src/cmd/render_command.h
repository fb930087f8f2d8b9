// `redispair render`: prints the children the operator would apply for a RedisPair (YAML or JSON
// on stdin or in a file), and the Redis configuration of each role. Used by the tests that run real
// redis-server processes with exactly the rendered configuration, and handy for reviews.
#pragma once

#include <string>

#include "util/status.h"

namespace redispair::cmd {

struct RenderFlags {
  std::string file = "-";    // the RedisPair; "-" is standard input
  std::string redis_config;  // "master" or "replica": print that role's redis.conf instead
  bool launcher = false;     // print the container's launcher script instead
  bool help = false;
};

// Parses argv (argv[0] is "render") with FlagSet (flags.h). InvalidArgument for an unknown flag,
// a missing value, or a --redis-config role other than master or replica.
StatusOr<RenderFlags> ParseRenderFlags(int argc, char** argv);

// argv[0] is "render". Returns the process exit code.
int RunRenderCommand(int argc, char** argv);

}  // namespace redispair::cmd
