#include "controller/status_events.h"

#include "controller/status.h"
#include "util/json_fields.h"

namespace redispair {
namespace {

using nlohmann::json;

// "Reason: message" of condition `type` in `status`, for the note of a Warning.
std::string Explain(const json& status, const char* type) {
  const json* c = FindCondition(status, type);
  if (c == nullptr) return "";
  return StringField(*c, "reason") + ": " + StringField(*c, "message");
}

std::string Message(const json& status, const char* type) {
  const json* c = FindCondition(status, type);
  return c == nullptr ? "" : StringField(*c, "message");
}

}  // namespace

std::vector<events::Event> StatusTransitionEvents(const json& before, const json& after,
                                                  bool replication_was_healthy) {
  std::vector<events::Event> out;
  const bool was_ready = IsConditionTrue(before, kCondReady);
  const bool is_ready = IsConditionTrue(after, kCondReady);
  if (!was_ready && is_ready) {
    out.push_back({events::Type::kNormal, kEventReady, "", Message(after, kCondReady)});
  } else if (was_ready && !is_ready) {
    out.push_back({events::Type::kWarning, kEventNotReady, "", Explain(after, kCondReady)});
  }
  const bool was_replicating = IsConditionTrue(before, kCondReplicationHealthy);
  const bool is_replicating = IsConditionTrue(after, kCondReplicationHealthy);
  if (was_replicating && !is_replicating) {
    out.push_back({events::Type::kWarning, kEventReplicationBroken, "",
                   Explain(after, kCondReplicationHealthy)});
  } else if (!was_replicating && is_replicating && replication_was_healthy) {
    out.push_back({events::Type::kNormal, kEventReplicationRestored, "",
                   Message(after, kCondReplicationHealthy)});
  }
  return out;
}

}  // namespace redispair
