#include "informer/informer.h"

#include <cstdio>
#include <random>

#include "kube/api_error.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "util/json_fields.h"
#include "util/log.h"

namespace redispair {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kListsTotal[] = "redispair_informer_lists_total";
constexpr char kEventsTotal[] = "redispair_watch_events_total";
constexpr char kRestartsTotal[] = "redispair_watch_restarts_total";

// client-go's reflector picks the watch timeout uniformly in [5, 10) minutes so that watches of
// many clients do not all end at once.
constexpr int kMinWatchTimeoutSeconds = 300;

int RandomWatchTimeoutSeconds() {
  static thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> dist(kMinWatchTimeoutSeconds, 2 * kMinWatchTimeoutSeconds - 1);
  return dist(rng);
}

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
    case EventType::kBookmark:
      return "BOOKMARK";
    case EventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

// "97 s", or "0.3 s" below ten seconds (test bounds are short).
std::string Seconds(SteadyClock::duration d) {
  const double s = std::chrono::duration<double>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof(buf), s < 10 ? "%.1f s" : "%.0f s", s);
  return buf;
}

}  // namespace

Informer::Informer(kube::KubeClient* client, kube::Resource resource, InformerOptions options,
                   Handler handler, Metrics* metrics)
    : client_(client),
      resource_(std::move(resource)),
      options_(std::move(options)),
      handler_(std::move(handler)),
      metrics_(metrics) {
  if (metrics_) {
    metrics_->Describe(kListsTotal, "counter", "Completed lists of an informer, by resource.");
    metrics_->Describe(kEventsTotal, "counter", "Watch events received, by resource and type.");
    metrics_->Describe(kRestartsTotal, "counter",
                       "Watches that ended other than normally, by resource and reason (gone: "
                       "relist; idle: no data for the idle timeout; short: ended at once; error).");
  }
}

Informer::~Informer() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void Informer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopped_ = true;
  }
  stop_cv_.notify_all();
}

bool Informer::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopped_.load(); });
}

ObjectPtr Informer::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return store_.Get(key);
}

std::vector<ObjectPtr> Informer::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return store_.List();
}

Status Informer::Liveness() const {
  std::string last_error;
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (!last_error_.empty()) last_error = "; last error: " + last_error_;
  }
  if (!synced_) return Status::Unavailable(resource_.plural + ": not synced yet" + last_error);
  const SteadyClock::time_point alive{SteadyClock::duration(last_alive_.load())};
  const SteadyClock::duration silent = SteadyClock::now() - alive;
  const SteadyClock::duration bound = options_.watch_idle_timeout + options_.watch_open_timeout;
  if (silent <= bound) return Status::Ok();
  return Status::Unavailable(resource_.plural + ": no live watch for " + Seconds(silent) +
                             " (the bound is " + Seconds(bound) + ")" + last_error);
}

void Informer::MarkAlive() { last_alive_ = SteadyClock::now().time_since_epoch().count(); }

void Informer::SetLastError(const Status& error) {
  std::lock_guard<std::mutex> lock(error_mu_);
  last_error_ = error.ok() ? std::string() : error.ToString();
}

void Informer::CountRestart(const char* reason) {
  if (metrics_) metrics_->Inc(kRestartsTotal, {{"resource", resource_.plural}, {"reason", reason}});
}

void Informer::Prepare(json* object) const {
  DropManagedFields(object);
  if (options_.transform) options_.transform(object);
}

void Informer::Emit(const std::vector<StoreChange>& changes) {
  if (!handler_) return;
  for (const StoreChange& c : changes) handler_(c);
}

StatusOr<std::string> Informer::ListAndReplace() {
  std::vector<json> items;
  std::string cont;
  std::string rv;
  for (;;) {
    StatusOr<json> listed = client_->List(resource_, options_.namespace_,
                                          {.label_selector = options_.label_selector,
                                           .limit = options_.page_size,
                                           .continue_token = cont});
    if (listed.status().IsGone() && !cont.empty()) {
      // The continue token expired mid-pagination: start the list over.
      items.clear();
      cont.clear();
      continue;
    }
    if (!listed.ok()) return listed.status();
    json& page = *listed;
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      return Status::Internal("list " + kube::CollectionPath(resource_, options_.namespace_) +
                              ": response is not a list");
    }
    // List items carry no apiVersion/kind (only the list does); set them so cached objects look
    // the same whether they came from a list or a watch event.
    const std::string api_version = StringField(page, "apiVersion");
    std::string kind = StringField(page, "kind");
    if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
    for (json& item : page["items"]) {
      if (item.is_object()) {
        item["apiVersion"] = api_version;
        item["kind"] = kind;
      }
      Prepare(&item);
      items.push_back(std::move(item));
    }
    const json& meta = Field(page, "metadata");
    rv = StringField(meta, "resourceVersion");
    cont = StringField(meta, "continue");
    if (cont.empty()) break;
  }

  std::vector<StoreChange> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    changes = store_.Replace(std::move(items));
  }
  MarkAlive();
  SetLastError(Status::Ok());
  synced_ = true;
  if (metrics_) metrics_->Inc(kListsTotal, {{"resource", resource_.plural}});
  Emit(changes);
  return rv;
}

Informer::WatchOutcome Informer::WatchOnce(std::string* rv) {
  const SteadyClock::time_point start = SteadyClock::now();
  SteadyClock::time_point last_data = start;
  bool opened = false;
  int events = 0;
  const kube::WatchOptions watch{.resource_version = *rv,
                                 .label_selector = options_.label_selector,
                                 .timeout_seconds = RandomWatchTimeoutSeconds(),
                                 .allow_bookmarks = true,
                                 .open_timeout = options_.watch_open_timeout,
                                 .idle_timeout = options_.watch_idle_timeout,
                                 .on_open = [&] {
                                   opened = true;
                                   last_data = SteadyClock::now();
                                   MarkAlive();
                                   SetLastError(Status::Ok());
                                 }};
  Status stream_error;
  Status s = client_->Watch(resource_, options_.namespace_, watch, [&](std::string_view line) {
    last_data = SteadyClock::now();
    MarkAlive();
    StatusOr<WatchEvent> ev = ParseWatchEvent(line);
    if (!ev.ok()) {
      stream_error = Status::Gone("malformed watch event, relisting: " + ev.status().message());
      return false;
    }
    if (metrics_) {
      metrics_->Inc(kEventsTotal,
                    {{"resource", resource_.plural}, {"type", EventTypeName(ev->type)}});
    }
    if (ev->type == EventType::kError) {
      // Its object is a metav1.Status: code 410 or reason Expired is Gone (relist); anything
      // else is retried after a backoff.
      stream_error = kube::StatusFromKubeStatus(ev->object, "watch error event");
      if (stream_error.ok()) stream_error = Status::Unavailable("watch error event: no error");
      return false;
    }
    ++events;
    const std::string new_rv = ResourceVersionOf(ev->object);
    if (!new_rv.empty()) *rv = new_rv;
    if (ev->type == EventType::kBookmark) return !stopped_.load();
    Prepare(&ev->object);
    std::optional<StoreChange> change;
    {
      std::lock_guard<std::mutex> lock(mu_);
      change = store_.Apply(std::move(*ev));
    }
    if (change) Emit({*change});
    return !stopped_.load();
  });
  WatchOutcome out;
  out.status = stream_error.ok() ? std::move(s) : std::move(stream_error);
  const SteadyClock::time_point end = SteadyClock::now();
  out.opened = opened;
  out.worked = opened && (events > 0 || end - start >= kMinWatchDuration);
  out.idle = opened && out.status.code() == Status::Code::kUnavailable &&
             end - last_data >= options_.watch_idle_timeout;
  return out;
}

bool Informer::BackOff(const char* what, const Status& error) {
  const std::chrono::milliseconds wait = backoff_.Next();
  LogWarn(
      what,
      {{"resource", resource_.plural}, {"error", error.ToString()}, {"retry_in_ms", wait.count()}});
  return SleepFor(wait);
}

void Informer::Run() {
  LogInfo("informer starting",
          {{"resource", resource_.plural}, {"namespace", options_.namespace_}});
  while (!stopped_) {
    StatusOr<std::string> rv = ListAndReplace();
    if (!rv.ok()) {
      if (rv.status().IsCancelled()) break;
      SetLastError(rv.status());
      if (!BackOff("list failed; retrying", rv.status())) break;
      continue;
    }
    std::string version = *rv;
    while (!stopped_) {
      WatchOutcome watch = WatchOnce(&version);
      // Only a watch that worked proves the server healthy again; a list does not, since the
      // watch right after it may fail at once, again and again.
      if (watch.worked) backoff_.Reset();
      Status s = std::move(watch.status);
      if (s.IsCancelled() || stopped_) break;
      if (s.ok() && watch.worked) continue;  // the server ended the watch at its timeout: resume
      if (s.ok()) s = Status::Unavailable("the watch ended at once without an event");
      CountRestart(s.IsGone()                      ? "gone"
                   : watch.idle                    ? "idle"
                   : watch.opened && !watch.worked ? "short"
                                                   : "error");
      SetLastError(s);
      if (s.IsGone()) {
        // At once after a watch that worked; after a backoff when the 410 itself came at once.
        const std::chrono::milliseconds wait =
            watch.worked ? std::chrono::milliseconds(0) : backoff_.Next();
        LogInfo("watch expired; relisting", {{"resource", resource_.plural},
                                             {"detail", s.message()},
                                             {"retry_in_ms", wait.count()}});
        if (wait.count() > 0) SleepFor(wait);
        break;  // to the relist, unless stopped meanwhile
      }
      if (!BackOff("watch failed; retrying", s)) break;
    }
  }
  LogInfo("informer stopped", {{"resource", resource_.plural}});
}

}  // namespace redispair
