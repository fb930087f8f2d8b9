// The replay guard: remembers, in Redis itself, which file contents were already imported.
//
// Replaying a file is not harmless (INCR, RPUSH and friends change the data again), so by default
// an import refuses content whose SHA-256 is already recorded. The record is a plain hash that
// users can inspect and clear with redis-cli:
//   HGETALL redispair:imports     field = sha256 hex, value = "<ISO-8601 UTC> lines=N ..."
//   DEL redispair:imports
// It lives in database 0 with the data, so FLUSHALL forgets it too, which is right: the data it
// vouched for is gone.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "importer/redis_client.h"
#include "util/status.h"

namespace redispair::importer {

inline constexpr std::string_view kImportsKey = "redispair:imports";

// The record of an earlier import of this content, or nullopt if there was none.
StatusOr<std::optional<std::string>> FindPreviousImport(RedisClient* client,
                                                        std::string_view sha256);

// Records this content as imported, with `record` (see FormatImportRecord) as the value.
Status RecordImport(RedisClient* client, std::string_view sha256, std::string_view record);

// "2024-05-01T12:00:00Z lines=10 commands=9 errors=0".
std::string FormatImportRecord(std::chrono::system_clock::time_point when, uint64_t lines,
                               uint64_t commands, uint64_t errors);

// The refusal, naming the earlier import and the commands to inspect or clear the guard.
std::string RefusalMessage(std::string_view sha256, std::string_view previous_record);

}  // namespace redispair::importer
