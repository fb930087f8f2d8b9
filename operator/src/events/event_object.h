// The events.k8s.io/v1 Event object the recorder writes, built by pure functions so that its
// shape (the fields the API server requires of a v1 Event, the series, the limits) is
// unit-tested apart from the recorder's bookkeeping.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "events/recorder.h"

namespace redispair::events {

// The API server's limit on Event.note.
inline constexpr size_t kMaxNoteBytes = 1024;
// Its limit on reason, action and reportingInstance.
inline constexpr size_t kMaxShortField = 128;

// One Event as the recorder tracks it: what it is about, what happened, and how often.
struct EventRecord {
  std::string name{};  // metadata.name, unique in the namespace
  ObjectRef regarding{};
  Event event{};
  std::string reporting_controller{};
  std::string reporting_instance{};
  std::chrono::system_clock::time_point first{};  // eventTime
  std::chrono::system_clock::time_point last{};   // series.lastObservedTime
  int count = 1;                                  // series.count when at least 2
};

// The Event object for `record`: apiVersion events.k8s.io/v1, eventTime, type, reason, action
// (defaulted), note (cut), regarding, reporting fields, and `series` once count >= 2. Pure.
nlohmann::json BuildEventObject(const EventRecord& record);

// metav1.MicroTime: "2026-01-02T03:04:05.123456Z". Pure.
std::string FormatMicroTime(std::chrono::system_clock::time_point t);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence. Pure.
std::string CutUtf8(std::string_view text, size_t max_bytes);

// A unique Event name for `regarding` at `t` (client-go's "<name>.<hex nanoseconds>"); `sequence`
// tells apart names made in the same nanosecond. Pure.
std::string EventName(const ObjectRef& regarding, std::chrono::system_clock::time_point t,
                      unsigned sequence);

}  // namespace redispair::events
