#include "informer/informer.h"

#include <random>

#include "kube/api_client.h"
#include "kube/api_error.h"
#include "metrics/metrics.h"
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

std::string UrlEncode(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

Informer::Informer(kube::ApiClient* client, ResourceType type, InformerOptions options,
                   Handler handler, Metrics* metrics)
    : client_(client),
      type_(std::move(type)),
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

std::string Informer::CollectionPath() const {
  std::string path = type_.api_prefix;
  if (!options_.namespace_.empty()) path += "/namespaces/" + options_.namespace_;
  path += "/" + type_.plural;
  return path;
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
    std::string target = CollectionPath() + "?limit=" + std::to_string(options_.page_size);
    if (!options_.label_selector.empty()) {
      target += "&labelSelector=" + UrlEncode(options_.label_selector);
    }
    if (!cont.empty()) target += "&continue=" + UrlEncode(cont);
    auto resp = client_->Request("GET", target);
    if (!resp.ok()) return resp.status();
    if (resp->status == 410 && !cont.empty()) {
      // The continue token expired mid-pagination: start the list over.
      items.clear();
      cont.clear();
      continue;
    }
    if (resp->status != 200) return kube::StatusFromResponse(*resp, "LIST " + CollectionPath());
    json page = json::parse(resp->body, nullptr, false);
    if (page.is_discarded() || !page.is_object() || !page.contains("items")) {
      return Status::Internal("LIST " + CollectionPath() + ": response is not a list");
    }
    // List items carry no apiVersion/kind (only the list does); set them so cached objects look
    // the same whether they came from a list or a watch event.
    const std::string api_version = page.value("apiVersion", "");
    std::string kind = page.value("kind", "");
    if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
    for (json& item : page["items"]) {
      if (item.is_object()) {
        item["apiVersion"] = api_version;
        item["kind"] = kind;
      }
      items.push_back(std::move(item));
    }
    const json& meta = page.value("metadata", json::object());
    rv = meta.value("resourceVersion", "");
    cont = meta.value("continue", "");
    if (cont.empty()) break;
  }

  std::vector<StoreChange> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    changes = store_.Replace(items);
  }
  synced_ = true;
  if (metrics_) metrics_->Inc("redispair_informer_lists_total", {{"resource", type_.plural}});
  Emit(changes);
  return rv;
}

Status Informer::WatchOnce(std::string* rv) {
  const int timeout = RandomWatchTimeoutSeconds();
  std::string target = CollectionPath() +
                       "?watch=1&allowWatchBookmarks=true&resourceVersion=" + UrlEncode(*rv) +
                       "&timeoutSeconds=" + std::to_string(timeout);
  if (!options_.label_selector.empty()) {
    target += "&labelSelector=" + UrlEncode(options_.label_selector);
  }
  Status stream_error;
  Status s = client_->Watch(
      target,
      [&](std::string_view line) {
        auto ev = ParseWatchEvent(line);
        if (!ev.ok()) {
          stream_error = Status::Gone("malformed watch event, relisting: " + ev.status().message());
          return false;
        }
        if (ev->type == EventType::kError) {
          const int code = ev->object.value("code", 0);
          const std::string msg = ev->object.value("message", "");
          stream_error =
              code == 410 ? Status::Gone(msg) : Status::Unavailable("watch error event: " + msg);
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
      },
      std::chrono::seconds(timeout) + kWatchIdleSlack);
  if (!stream_error.ok()) return stream_error;
  return s;
}

void Informer::Run() {
  LogInfo("informer starting", {{"resource", type_.plural}, {"namespace", options_.namespace_}});
  while (!stopped_) {
    auto rv = ListAndReplace();
    if (!rv.ok()) {
      if (rv.status().IsCancelled()) break;
      const auto wait = backoff_.Next();
      LogWarn("list failed; retrying", {{"resource", type_.plural},
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
                      {{"resource", type_.plural}, {"reason", s.IsGone() ? "gone" : "error"}});
      }
      if (s.IsGone()) {
        LogInfo("watch expired; relisting", {{"resource", type_.plural}, {"detail", s.message()}});
        break;
      }
      const auto wait = backoff_.Next();
      LogWarn("watch failed; retrying",
              {{"resource", type_.plural}, {"error", s.ToString()}, {"retry_in_ms", wait.count()}});
      if (!SleepFor(wait)) break;
    }
  }
  LogInfo("informer stopped", {{"resource", type_.plural}});
}

}  // namespace redispair
