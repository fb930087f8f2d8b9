// The controller: informers feed keys into the work queue; workers reconcile them.
//
// One informer per resource the reconciler reads, found by its kube::Resource. Every event on a
// RedisPair or on one of its children (found through the app.kubernetes.io/instance label, which
// every child and pod carries) enqueues the RedisPair's key. The queue deduplicates, so a burst of
// child events costs one reconcile.
//
// Thread-safety: Run() blocks until Stop() is called from another thread (the signal handler).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "controller/reconciler.h"
#include "controller/work_queue.h"
#include "events/recorder.h"
#include "informer/informer.h"

namespace redispair {

struct ControllerOptions {
  std::string namespace_;  // watched namespace; empty = all (needs cluster-wide RBAC)
  int workers = 2;
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

  // For /healthz: the controller has not stopped. For /readyz: every informer has synced.
  bool Healthy() const;
  bool Ready() const;

 private:
  // Starts caching `resource`, all of it or only the operator's children.
  Informer* Watch(const kube::Resource& resource, bool children_only);
  void Enqueue(const StoreChange& change, bool is_redispair);
  void Worker();

  kube::KubeClient* client_;
  Metrics* metrics_;
  ControllerOptions options_;
  WorkQueue queue_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::unique_ptr<events::Recorder> recorder_;
  std::unique_ptr<Reconciler> reconciler_;
  std::atomic<bool> stopped_{false};
};

}  // namespace redispair
