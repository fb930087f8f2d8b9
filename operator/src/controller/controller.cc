#include "controller/controller.h"

#include <chrono>
#include <ctime>
#include <thread>

#include "controller/names.h"
#include "kube/api_client.h"
#include "metrics/metrics.h"
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

}  // namespace

Controller::Controller(kube::ApiClient* client, Metrics* metrics, ReplicationProber* prober,
                       ControllerOptions options)
    : client_(client), metrics_(metrics), options_(std::move(options)) {
  const InformerOptions all{options_.namespace_, "", 500};
  const InformerOptions children{options_.namespace_, names::ManagedBySelector(), 500};
  auto make = [&](ResourceType type, const InformerOptions& opts, bool is_redispair) {
    informers_.push_back(std::make_unique<Informer>(
        client_, std::move(type), opts,
        [this, is_redispair](const StoreChange& c) { Enqueue(c, is_redispair); }, metrics_));
    return informers_.back().get();
  };
  ReconcilerDeps deps;
  deps.client = client_;
  deps.metrics = metrics_;
  deps.prober = prober;
  deps.now_rfc3339 = NowRfc3339;
  deps.redispairs =
      make({std::string("/apis/") + kGroup + "/" + kVersion, "redispairs"}, all, true);
  deps.statefulsets = make({"/apis/apps/v1", "statefulsets"}, children, false);
  deps.deployments = make({"/apis/apps/v1", "deployments"}, children, false);
  deps.services = make({"/api/v1", "services"}, children, false);
  deps.cronjobs = make({"/apis/batch/v1", "cronjobs"}, children, false);
  deps.secrets = make({"/api/v1", "secrets"}, children, false);
  deps.pods = make({"/api/v1", "pods"}, children, false);
  deps.claims = make({"/api/v1", "persistentvolumeclaims"}, children, false);
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

void Controller::Enqueue(const StoreChange& change, bool is_redispair) {
  const json& meta = change.object->value("metadata", json::object());
  const std::string ns = meta.value("namespace", "");
  if (is_redispair) {
    queue_.Add(change.key);
    return;
  }
  const std::string owner =
      meta.value("labels", json::object()).value("app.kubernetes.io/instance", "");
  if (!owner.empty()) queue_.Add(ns + "/" + owner);
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
  while (!stopped_ && !Ready()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
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

bool Controller::Ready() const {
  for (const auto& informer : informers_) {
    if (!informer->HasSynced()) return false;
  }
  return true;
}

}  // namespace redispair
