#include "informer/informer.h"

#include <random>

#include "kube/api_error.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "util/json_fields.h"
#include "util/log.h"

namespace redispair {
namespace {

using nlohmann::json;

// client-go's reflector picks the watch timeout uniformly in [5, 10) minutes so that watches of
// many clients do not all end at once.
constexpr int kMinWatchTimeoutSeconds = 300;
// A watch with bookmarks sees a byte at least every minute or so; allow well over the timeout
// before declaring the connection dead.
constexpr auto kWatchIdleSlack = std::chrono::seconds(60);

int RandomWatchTimeoutSeconds() {
  static thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> dist(kMinWatchTimeoutSeconds, 2 * kMinWatchTimeoutSeconds - 1);
  return dist(rng);
}

}  // namespace

Informer::Informer(kube::KubeClient* client, kube::Resource resource, InformerOptions options,
                   Handler handler, Metrics* metrics)
    : client_(client),
      resource_(std::move(resource)),
      options_(std::move(options)),
      handler_(std::move(handler)),
      metrics_(metrics) {}

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
    changes = store_.Replace(items);
  }
  synced_ = true;
  if (metrics_) {
    metrics_->Inc("redispair_informer_lists_total", {{"resource", resource_.plural}});
  }
  Emit(changes);
  return rv;
}

Status Informer::WatchOnce(std::string* rv) {
  const int timeout = RandomWatchTimeoutSeconds();
  const kube::WatchOptions watch{.resource_version = *rv,
                                 .label_selector = options_.label_selector,
                                 .timeout_seconds = timeout,
                                 .allow_bookmarks = true,
                                 .idle_timeout = std::chrono::seconds(timeout) + kWatchIdleSlack};
  Status stream_error;
  Status s = client_->Watch(resource_, options_.namespace_, watch, [&](std::string_view line) {
    auto ev = ParseWatchEvent(line);
    if (!ev.ok()) {
      stream_error = Status::Gone("malformed watch event, relisting: " + ev.status().message());
      return false;
    }
    if (ev->type == EventType::kError) {
      // Its object is a metav1.Status: code 410 or reason Expired is Gone (relist); anything
      // else is retried after a backoff.
      stream_error = kube::StatusFromKubeStatus(ev->object, "watch error event");
      if (stream_error.ok()) stream_error = Status::Unavailable("watch error event: no error");
      return false;
    }
    const std::string new_rv = ResourceVersionOf(ev->object);
    if (!new_rv.empty()) *rv = new_rv;
    if (ev->type == EventType::kBookmark) return true;
    std::optional<StoreChange> change;
    {
      std::lock_guard<std::mutex> lock(mu_);
      change = store_.Apply(*ev);
    }
    if (change) Emit({*change});
    backoff_.Reset();
    return !stopped_.load();
  });
  if (!stream_error.ok()) return stream_error;
  return s;
}

void Informer::Run() {
  LogInfo("informer starting",
          {{"resource", resource_.plural}, {"namespace", options_.namespace_}});
  while (!stopped_) {
    auto rv = ListAndReplace();
    if (!rv.ok()) {
      if (rv.status().IsCancelled()) break;
      const auto wait = backoff_.Next();
      LogWarn("list failed; retrying", {{"resource", resource_.plural},
                                        {"error", rv.status().ToString()},
                                        {"retry_in_ms", wait.count()}});
      if (!SleepFor(wait)) break;
      continue;
    }
    backoff_.Reset();
    std::string version = *rv;
    while (!stopped_) {
      Status s = WatchOnce(&version);
      if (s.ok()) continue;  // the server ended the watch at its timeout: resume from version
      if (s.IsCancelled() || stopped_) break;
      if (metrics_) {
        metrics_->Inc("redispair_watch_restarts_total",
                      {{"resource", resource_.plural}, {"reason", s.IsGone() ? "gone" : "error"}});
      }
      if (s.IsGone()) {
        LogInfo("watch expired; relisting",
                {{"resource", resource_.plural}, {"detail", s.message()}});
        break;
      }
      const auto wait = backoff_.Next();
      LogWarn(
          "watch failed; retrying",
          {{"resource", resource_.plural}, {"error", s.ToString()}, {"retry_in_ms", wait.count()}});
      if (!SleepFor(wait)) break;
    }
  }
  LogInfo("informer stopped", {{"resource", resource_.plural}});
}

}  // namespace redispair
