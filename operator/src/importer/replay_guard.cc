#include "importer/replay_guard.h"

#include <ctime>

namespace redispair::importer {

StatusOr<std::optional<std::string>> FindPreviousImport(RedisClient* client,
                                                        std::string_view sha256) {
  StatusOr<Reply> reply = client->Call(Argv{"HGET", kImportsKey, sha256});
  if (!reply.ok()) return reply.status();
  switch (reply->type) {
    case Reply::Type::kNil:
      return std::optional<std::string>();
    case Reply::Type::kString:
      return std::optional<std::string>(reply->str);
    default:
      // WRONGTYPE if someone reused the key for something else: do not guess, say so.
      return Status::Internal("HGET " + std::string(kImportsKey) + ": " + reply->str);
  }
}

Status RecordImport(RedisClient* client, std::string_view sha256, std::string_view record) {
  StatusOr<Reply> reply = client->Call(Argv{"HSET", kImportsKey, sha256, record});
  if (!reply.ok()) return reply.status();
  if (reply->type == Reply::Type::kError) {
    return Status::Internal("HSET " + std::string(kImportsKey) + ": " + reply->str);
  }
  return Status::Ok();
}

std::string FormatImportRecord(std::chrono::system_clock::time_point when, uint64_t lines,
                               uint64_t commands, uint64_t errors) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char iso[32];
  std::strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(iso) + " lines=" + std::to_string(lines) +
         " commands=" + std::to_string(commands) + " errors=" + std::to_string(errors);
}

std::string RefusalMessage(std::string_view sha256, std::string_view previous_record) {
  std::string key(kImportsKey);
  return "this exact content (sha256 " + std::string(sha256) + ") was already imported (" +
         std::string(previous_record) +
         "); importing it again would repeat INCR/RPUSH-style changes.\n"
         "  Import anyway:   add --force\n"
         "  See the record:  redis-cli HGETALL " +
         key +
         "\n"
         "  Forget imports:  redis-cli DEL " +
         key + "\n";
}

}  // namespace redispair::importer
