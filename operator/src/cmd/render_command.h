// `redispair render`: prints the children the operator would apply for a RedisPair (YAML or JSON
// on stdin or in a file), and the Redis configuration of each role. Used by the tests that run real
// redis-server processes with exactly the rendered configuration, and handy for reviews.
#pragma once

namespace redispair {

int RunRenderCommand(int argc, char** argv);

}  // namespace redispair
