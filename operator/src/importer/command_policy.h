// Which parsed lines may go into a pipelined import.
//
// A few lines parse fine but would mean something else to redis-cli than to us, or would break a
// pipeline whose replies are matched to lines one for one. They are rejected during validation,
// so nothing is sent, rather than silently diverging:
//   - a leading number (`3 INCR hits`) is a redis-cli repeat count, not a command;
//   - redis-cli built-ins (quit, exit, help, ?, clear, connect, restart, :set ...) never reach the
//     server, and quit/exit make redis-cli stop reading the file;
//   - SUBSCRIBE, MONITOR, SYNC... switch the connection to a stream of pushes;
//   - RESET, HELLO and CLIENT REPLY change the protocol or suppress replies.
//
// Pure functions, thread-safe.
#pragma once

#include "importer/argv.h"
#include "util/status.h"

namespace redispair::importer {

// OK if `argv` (non-empty) can be imported; otherwise InvalidArgument saying why.
Status CheckImportable(const Argv& argv);

// True if the command is SELECT, after which the pipeline is no longer in database 0.
bool IsSelect(const Argv& argv);

}  // namespace redispair::importer
