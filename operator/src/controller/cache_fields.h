// What the controller reads of each resource it caches, as informer transforms (transform.h): the
// informers store only that, so that the cache's memory follows what is read rather than what the
// API server sends. Every informer drops metadata.managedFields in any case.
//
//   Pods                      identity, labels, creation and deletion timestamps, spec.nodeName,
//                             and the status fields observation.cc reads (phase, hostIP, podIP,
//                             conditions, the waiting state of containers)
//   PersistentVolumeClaims    identity, labels, annotations (the selected node), spec.volumeName
//   StatefulSets, Deployments, metadata and spec whole: the drift check (drift.h) compares the
//   Services, CronJobs        rendered children against them. Their status goes: nothing reads it.
//   RedisPairs, Secrets       everything but managedFields
//
// A read of a new Pod or PVC field, or of a child's status, must be added here first;
// cache_fields_test.cc checks that every read of today survives the transform.
#pragma once

#include "informer/transform.h"
#include "kube/resource.h"

namespace redispair {

// The transform for the informer of `resource`; empty for a resource that keeps all but
// managedFields. Thread-safe.
Transform CacheTransform(const kube::Resource& resource);

}  // namespace redispair
