// The controller: informers feed keys into the work queue; workers reconcile them.
//
// One informer per resource the reconciler reads, found by its kube::Resource. Every event on a
// RedisPair or on one of its children (found through the app.kubernetes.io/instance label, which
// every child and pod carries) enqueues the RedisPair's key. The queue deduplicates, so a burst of
// child events costs one reconcile. An update of a RedisPair that leaves its generation alone
// (a status write, the operator's own above all) enqueues nothing (generation_filter.h); the
// reconciler's requeue, the periodic health resync, still runs.
//
// Thread-safety: Run() blocks until Stop() is called from another thread (the signal handler).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "controller/generation_filter.h"
#include "controller/reconciler.h"
#include "controller/work_queue.h"
#include "events/recorder.h"
#include "informer/informer.h"

namespace redispair {

struct ControllerOptions {
  std::string namespace_;  // watched namespace; empty = all (needs cluster-wide RBAC)
  int workers = 2;
  std::string importer_image;  // RenderInputs::importer_image; empty: master pods get no importer
};

class Controller {
 public:
  // `client`, `metrics` (nullable) and `prober` must outlive the controller.
  Controller(kube::KubeClient* client, Metrics* metrics, ReplicationProber* prober,
             ControllerOptions options);
  ~Controller();

  // Starts informers, waits for their first lists, then runs the workers until Stop().
  void Run();
  void Stop();

  // For /healthz: the controller has not stopped.
  bool Healthy() const;
  // For /readyz: OK when every informer has synced and has a live watch (Informer::Liveness);
  // else the first informer's reason.
  Status Readiness() const;

 private:
  // Starts caching `resource`, all of it or only the operator's children.
  Informer* Watch(const kube::Resource& resource, bool children_only);
  void Enqueue(const StoreChange& change, bool is_redispair);
  // Every informer has its first list.
  bool Synced() const;
  void Worker();

  kube::KubeClient* client_;
  Metrics* metrics_;
  ControllerOptions options_;
  // A failed pass is retried no less often than a healthy pair is probed: the work queue's
  // default backoff grows to 1000 s, and would hold the pair's health probing back as long.
  WorkQueue queue_{WorkQueueOptions{.max_delay = Reconciler::kHealthyResync}};
  GenerationFilter generations_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::unique_ptr<events::Recorder> recorder_;
  std::unique_ptr<Reconciler> reconciler_;
  std::atomic<bool> stopped_{false};
};

}  // namespace redispair
