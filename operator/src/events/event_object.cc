#include "events/event_object.h"

#include <cstdio>
#include <ctime>

namespace redispair::events {

using nlohmann::json;

std::string FormatMicroTime(std::chrono::system_clock::time_point t) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  long fraction = static_cast<long>(micros % 1000000);
  if (fraction < 0) {  // before 1970: borrow a second
    fraction += 1000000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%06ldZ", date, fraction);
  return out;
}

std::string CutUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so that the cut falls between characters.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string EventName(const ObjectRef& regarding, std::chrono::system_clock::time_point t,
                      unsigned sequence) {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char suffix[40];
  std::snprintf(suffix, sizeof(suffix), ".%llx%x", static_cast<unsigned long long>(nanos),
                sequence & 0xffu);
  return regarding.name + suffix;
}

json BuildEventObject(const EventRecord& r) {
  json regarding = {{"apiVersion", r.regarding.api_version},
                    {"kind", r.regarding.kind},
                    {"name", r.regarding.name}};
  if (!r.regarding.namespace_.empty()) regarding["namespace"] = r.regarding.namespace_;
  if (!r.regarding.uid.empty()) regarding["uid"] = r.regarding.uid;
  json event = {
      {"apiVersion", "events.k8s.io/v1"},
      {"kind", "Event"},
      {"metadata", {{"name", r.name}, {"namespace", r.regarding.namespace_}}},
      {"eventTime", FormatMicroTime(r.first)},
      {"type", r.event.type == Type::kWarning ? "Warning" : "Normal"},
      {"reason", CutUtf8(r.event.reason, kMaxShortField)},
      {"action", CutUtf8(r.event.action.empty() ? "Reconcile" : r.event.action, kMaxShortField)},
      {"note", CutUtf8(r.event.note, kMaxNoteBytes)},
      {"regarding", std::move(regarding)},
      {"reportingController", r.reporting_controller},
      {"reportingInstance", CutUtf8(r.reporting_instance, kMaxShortField)},
  };
  if (r.count >= 2) {
    event["series"] = {{"count", r.count}, {"lastObservedTime", FormatMicroTime(r.last)}};
  }
  return event;
}

}  // namespace redispair::events
