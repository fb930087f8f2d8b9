// RESP (REdis Serialization Protocol) encoding of commands: the bytes a client sends.
//
// A command is an array of bulk strings: "*<argc>\r\n" then "$<len>\r\n<bytes>\r\n" per argument.
// This is what `redis-cli --pipe` expects on stdin and what hiredis writes to the socket.
//
// Pure functions, thread-safe.
#pragma once

#include <string>

#include "importer/argv.h"

namespace redispair::importer {

// Appends the RESP encoding of `argv` to `out` (which keeps its capacity across calls, so a
// caller encoding many commands into one buffer does not allocate per command).
void AppendRespCommand(const Argv& argv, std::string* out);

}  // namespace redispair::importer
