#include "controller/controller.h"

#include <chrono>
#include <ctime>
#include <thread>

#include "controller/cache_fields.h"
#include "controller/names.h"
#include "metrics/metrics.h"
#include "util/json_fields.h"
#include "util/log.h"

namespace redispair {
namespace {

using nlohmann::json;

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Page size of the informers' lists: big enough for one page in practice, small enough that a
// namespace with thousands of pods does not arrive as one huge response.
constexpr int kListPageSize = 500;

}  // namespace

Controller::Controller(kube::KubeClient* client, Metrics* metrics, ReplicationProber* prober,
                       ControllerOptions options)
    : client_(client), metrics_(metrics), options_(std::move(options)) {
  ReconcilerDeps deps;
  deps.client = client_;
  deps.metrics = metrics_;
  deps.prober = prober;
  recorder_ =
      events::NewRecorder(client_, {.field_manager = names::kFieldManager, .metrics = metrics_});
  deps.recorder = recorder_.get();
  deps.now_rfc3339 = NowRfc3339;
  deps.importer_image = options_.importer_image;
  deps.caches[kRedisPairs] = Watch(kRedisPairs, /*children_only=*/false);
  // The children, and what they make: pods from the pod templates, the master's claim from its
  // volumeClaimTemplate, all labelled as the operator's. Secrets are read by name: a watch, even
  // of labelled Secrets only, needs list and watch on every Secret of the namespace.
  for (const kube::Resource& resource :
       {kube::kStatefulSets, kube::kDeployments, kube::kServices, kube::kCronJobs, kube::kPods,
        kube::kPersistentVolumeClaims}) {
    deps.caches[resource] = Watch(resource, /*children_only=*/true);
  }
  reconciler_ = std::make_unique<Reconciler>(std::move(deps));
  if (metrics_) {
    metrics_->Describe("redispair_reconcile_total", "counter", "Reconciles by result.");
    metrics_->Describe("redispair_reconcile_duration_seconds", "histogram",
                       "Time to reconcile one RedisPair.");
    metrics_->Describe("redispair_reconcile_writes_total", "counter",
                       "API writes made by reconciles, by object kind.");
    metrics_->Describe("redispair_workqueue_depth", "gauge", "Keys waiting in the work queue.");
  }
}

Controller::~Controller() {
  Stop();
  informers_.clear();  // joins informer threads
}

Informer* Controller::Watch(const kube::Resource& resource, bool children_only) {
  const InformerOptions options{.namespace_ = options_.namespace_,
                                .label_selector = children_only ? names::ManagedBySelector() : "",
                                .page_size = kListPageSize,
                                .transform = CacheTransform(resource)};
  const bool is_redispair = resource == kRedisPairs;
  informers_.push_back(std::make_unique<Informer>(
      client_, resource, options,
      [this, is_redispair](const StoreChange& c) { Enqueue(c, is_redispair); }, metrics_));
  return informers_.back().get();
}

void Controller::Enqueue(const StoreChange& change, bool is_redispair) {
  if (is_redispair) {
    if (generations_.Admit(change)) queue_.Add(change.key);
    return;
  }
  const json& meta = Field(*change.object, "metadata");
  const std::string owner = StringField(Field(meta, "labels"), names::kLabelInstance);
  if (!owner.empty()) queue_.Add(StringField(meta, "namespace") + "/" + owner);
}

void Controller::Worker() {
  while (auto key = queue_.Get()) {
    const auto start = std::chrono::steady_clock::now();
    ReconcileResult result = reconciler_->Reconcile(*key);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.error.ok()) {
      // Logged here, not in the reconciler: the loop reports what a reconcile returns.
      LogError("reconcile failed; will retry", {{"redispair", *key},
                                                {"error", result.error.ToString()},
                                                {"requeues", queue_.NumRequeues(*key)}});
      queue_.AddRateLimited(*key);
    } else {
      queue_.Forget(*key);
      if (result.requeue_after.count() > 0) queue_.AddAfter(*key, result.requeue_after);
    }
    if (metrics_) {
      metrics_->Inc("redispair_reconcile_total", {{"result", result.error.ok() ? "ok" : "error"}});
      metrics_->Observe("redispair_reconcile_duration_seconds", {}, seconds);
      metrics_->Set("redispair_workqueue_depth", {}, static_cast<double>(queue_.Len()));
    }
    queue_.Done(*key);
  }
}

void Controller::Run() {
  for (auto& informer : informers_) informer->Start();
  // Reconciling before every cache has its first list would see children as missing and
  // re-apply them all; wait, as controller-runtime's WaitForCacheSync does.
  while (!stopped_ && !Synced()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (stopped_) return;
  LogInfo("caches synced; starting workers", {{"workers", options_.workers}});
  std::vector<std::thread> workers;
  for (int i = 0; i < options_.workers; ++i) workers.emplace_back([this] { Worker(); });
  for (auto& t : workers) t.join();
}

void Controller::Stop() {
  if (stopped_.exchange(true)) return;
  queue_.ShutDown();
  for (auto& informer : informers_) informer->Stop();
}

bool Controller::Healthy() const {
  // Only "the process works": an unreachable API server is not fixed by a restart, and liveness
  // must not kill the operator while the control plane is down.
  return !stopped_;
}

Status Controller::Readiness() const {
  for (const auto& informer : informers_) {
    if (Status s = informer->Liveness(); !s.ok()) return s;
  }
  return Status::Ok();
}

bool Controller::Synced() const {
  for (const auto& informer : informers_) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

}  // namespace redispair
