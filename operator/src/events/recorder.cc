#include "events/recorder.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "events/event_object.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "util/log.h"

namespace redispair::events {
namespace {

using Clock = std::chrono::system_clock;
using nlohmann::json;

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

// Which object an Event is about: its uid, or its namespace/name when it has none.
std::string ObjectKey(const ObjectRef& r) {
  return r.uid.empty() ? r.namespace_ + "/" + r.name : r.uid;
}

// Events that are the same for deduplication: same object, type, reason, action and note.
std::string SeriesKey(const ObjectRef& r, const Event& e) {
  std::string key = ObjectKey(r);
  for (const std::string* part : {&e.reason, &e.action, &e.note}) {
    key += '\x1f';
    key += *part;
  }
  key += e.type == Type::kWarning ? "\x1fW" : "\x1fN";
  return key;
}

// The per-object token bucket of the spam filter.
struct Bucket {
  double tokens = kBurst;
  Clock::time_point last{};
};

struct Series {
  EventRecord record;
  Clock::time_point last_write{};
};

class ApiRecorder : public Recorder {
 public:
  ApiRecorder(kube::KubeClient* client, RecorderOptions options)
      : client_(client), options_(std::move(options)) {
    if (options_.reporting_instance.empty()) options_.reporting_instance = HostName();
    if (!options_.now) options_.now = [] { return Clock::now(); };
    if (options_.metrics != nullptr) {
      options_.metrics->Describe("redispair_events_total", "counter",
                                 "Kubernetes Events written (created or series updated), by type "
                                 "and reason.");
      options_.metrics->Describe("redispair_events_dropped_total", "counter",
                                 "Events not written: rate_limited (the per-object spam filter) "
                                 "or api_error.");
    }
  }

  void Record(const ObjectRef& regarding, const Event& event) override {
    enum class Write { kCreate, kSeries };
    Write write;
    json object;
    const std::string key = SeriesKey(regarding, event);
    {
      std::lock_guard<std::mutex> lock(mu_);
      const Clock::time_point now = options_.now();
      auto it = series_.find(key);
      if (it != series_.end() && now - it->second.record.last <= kSeriesWindow) {
        Series& s = it->second;
        ++s.record.count;
        s.record.last = now;
        // The first repeat turns the Event into a series at once; later ones refresh it now and
        // then. A repeat that is not written is still counted.
        if (s.record.count > 2 && now - s.last_write < kSeriesRefresh) return;
        write = Write::kSeries;
      } else {
        if (it == series_.end()) Prune(now);
        Series fresh;
        fresh.record = EventRecord{.name = EventName(regarding, now, sequence_++),
                                   .regarding = regarding,
                                   .event = event,
                                   .reporting_controller = options_.reporting_controller,
                                   .reporting_instance = options_.reporting_instance,
                                   .first = now,
                                   .last = now,
                                   .count = 1};
        it = series_.insert_or_assign(key, std::move(fresh)).first;
        write = Write::kCreate;
      }
      if (!TakeToken(ObjectKey(regarding), now)) {
        // A create that is dropped leaves no Event behind, so its next repeat must create one.
        if (write == Write::kCreate) series_.erase(it);
        Count("redispair_events_dropped_total", {{"why", "rate_limited"}});
        return;
      }
      it->second.last_write = now;
      object = BuildEventObject(it->second.record);
    }

    Status s = write == Write::kCreate
                   ? client_->Create(kube::kEvents, object).status()
                   : client_
                         ->Apply(kube::kEvents, object,
                                 {.field_manager = options_.field_manager, .force = true})
                         .status();
    if (s.ok()) {
      Count("redispair_events_total", {{"type", object["type"].get<std::string>()},
                                       {"reason", object["reason"].get<std::string>()}});
      return;
    }
    // Not written: forget the series, so that the next occurrence creates a fresh Event (also
    // when the API server's event TTL already removed this one, NotFound).
    {
      std::lock_guard<std::mutex> lock(mu_);
      series_.erase(key);
    }
    Count("redispair_events_dropped_total", {{"why", "api_error"}});
    LogWarn("event not recorded", {{"object", regarding.namespace_ + "/" + regarding.name},
                                   {"reason", event.reason},
                                   {"error", s.ToString()}});
  }

 private:
  // Takes a token from the bucket of object `key`; false when it is empty.
  bool TakeToken(const std::string& key, Clock::time_point now) {
    auto [it, added] = buckets_.try_emplace(key);
    Bucket& b = it->second;
    if (!added) {
      const double refill = std::chrono::duration<double>(now - b.last) / kRefillInterval;
      b.tokens = std::min<double>(kBurst, b.tokens + std::max(0.0, refill));
    }
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  // Keeps the memory bounded: drops ended series, and buckets that have refilled (which are the
  // same as new ones); if that is not enough, the series seen longest ago.
  void Prune(Clock::time_point now) {
    if (series_.size() < kMaxTracked && buckets_.size() < kMaxTracked) return;
    std::erase_if(series_,
                  [&](const auto& kv) { return now - kv.second.record.last > kSeriesWindow; });
    while (series_.size() >= kMaxTracked) {
      series_.erase(
          std::min_element(series_.begin(), series_.end(), [](const auto& a, const auto& b) {
            return a.second.record.last < b.second.record.last;
          }));
    }
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens +
                 std::chrono::duration<double>(now - kv.second.last) / kRefillInterval >=
             kBurst;
    });
  }

  void Count(const char* name, const Labels& labels) {
    if (options_.metrics != nullptr) options_.metrics->Inc(name, labels);
  }

  kube::KubeClient* client_;
  RecorderOptions options_;
  std::mutex mu_;
  std::map<std::string, Series> series_;   // guarded by mu_
  std::map<std::string, Bucket> buckets_;  // guarded by mu_
  unsigned sequence_ = 0;                  // guarded by mu_
};

}  // namespace

std::unique_ptr<Recorder> NewRecorder(kube::KubeClient* client, RecorderOptions options) {
  return std::make_unique<ApiRecorder>(client, std::move(options));
}

}  // namespace redispair::events
