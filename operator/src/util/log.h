// Structured logging: one JSON object per line on stderr, so that `kubectl logs` output can be
// filtered with jq and never interleaves half-lines across threads.
//
//   Log(LogLevel::kInfo, "reconciled", {{"redispair", "redis/redis"}, {"applied", 3}});
//
// Thread-safe. Never pass secrets as fields: nothing here redacts.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace redispair {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Messages below `level` are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error"; returns false for anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);

void Log(LogLevel level, std::string_view msg,
         std::initializer_list<std::pair<const std::string, nlohmann::json>> fields = {});

inline void LogDebug(std::string_view msg,
                     std::initializer_list<std::pair<const std::string, nlohmann::json>> f = {}) {
  Log(LogLevel::kDebug, msg, f);
}
inline void LogInfo(std::string_view msg,
                    std::initializer_list<std::pair<const std::string, nlohmann::json>> f = {}) {
  Log(LogLevel::kInfo, msg, f);
}
inline void LogWarn(std::string_view msg,
                    std::initializer_list<std::pair<const std::string, nlohmann::json>> f = {}) {
  Log(LogLevel::kWarn, msg, f);
}
inline void LogError(std::string_view msg,
                     std::initializer_list<std::pair<const std::string, nlohmann::json>> f = {}) {
  Log(LogLevel::kError, msg, f);
}

}  // namespace redispair
