// `redispair operator`: runs the controller until SIGTERM/SIGINT.
#pragma once

namespace redispair {

// argv[0] is "operator". Returns the process exit code.
int RunOperatorCommand(int argc, char** argv);

}  // namespace redispair
