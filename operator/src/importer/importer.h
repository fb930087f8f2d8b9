// The two passes of an import: validate everything, then send everything pipelined.
//
// Splitting them is what makes the import honest: nothing reaches Redis unless every line of the
// file parses, and the second pass can still stream a file of any size in bounded memory.
// The passes read file descriptors and talk through RedisClient, so tests drive them with temp
// files and a fake client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "importer/error_list.h"
#include "importer/redis_client.h"
#include "util/status.h"

namespace redispair::importer {

struct ValidationResult {
  uint64_t lines = 0;     // lines in the file, blank ones included
  uint64_t commands = 0;  // non-blank lines, i.e. commands that pass 2 will send
  uint64_t bytes = 0;
  std::string sha256;        // hex digest of the exact bytes, for the replay guard
  bool uses_select = false;  // a SELECT moves the pipeline out of database 0
  ErrorList errors;          // lines that do not parse or cannot be imported
};

// Pass 1: reads `fd` to the end, parsing and checking every line (see command_parser.h and
// command_policy.h), and digests the bytes. If `tee_fd` >= 0 the bytes are also copied there,
// which is how stdin is spooled for pass 2. Bad lines are reported in the result; a non-OK
// status means an I/O failure.
StatusOr<ValidationResult> ValidateInput(int fd, int tee_fd = -1);

struct SendOptions {
  // The pipeline window. Enough commands in flight to keep the server busy while we read replies
  // (throughput), few enough that neither side buffers much (memory): when the window is full we
  // read replies until it is half empty, so writes go out in large batches.
  size_t max_in_flight_commands = 65536;
  // Also bound the bytes queued, so that a file of large values still uses bounded memory.
  size_t max_in_flight_bytes = size_t{32} << 20;
};

struct SendResult {
  uint64_t sent = 0;  // commands whose reply was read
  uint64_t ok = 0;    // replies that were not errors
  ErrorList errors;   // error replies, by source line
};

// Called with the number of commands answered so far, every few thousand commands.
using ProgressCallback = std::function<void(uint64_t done)>;

// Pass 2: reads `fd` (already validated) and sends every command through `client`, pipelined,
// mapping each error reply back to its line. A non-OK status means the connection failed or the
// file changed since pass 1; its message says how far the import got.
StatusOr<SendResult> SendInput(int fd, RedisClient* client, const SendOptions& options,
                               const ProgressCallback& progress = nullptr);

// Pass 2 variant for --emit-resp: writes the RESP encoding of every command to `out_fd`.
Status EmitResp(int fd, int out_fd);

}  // namespace redispair::importer
