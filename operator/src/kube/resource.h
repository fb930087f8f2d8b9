// A Kubernetes resource (a group, version and plural, and whether it lives in a namespace), and
// the one place that turns it into REST paths.
//
//   CollectionPath(kStatefulSets, "redis")         /apis/apps/v1/namespaces/redis/statefulsets
//   ObjectPath(kPods, "redis", "redis-master-0")   /api/v1/namespaces/redis/pods/redis-master-0
//   ObjectPath(kPersistentVolumes, "", "pv-1")     /api/v1/persistentvolumes/pv-1
//   ObjectPath(kCronJobs, "redis", "redis-info", kStatusSubresource)
//                                                  /apis/batch/v1/namespaces/redis/cronjobs/redis-info/status
//
// Resource is a plain value: comparable, ordered (it keys the informer map) and cheap to copy.
// The functions are pure and thread-safe.
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace redispair::kube {

struct Resource {
  std::string group;    // "" for the core group ("/api/v1"), else e.g. "apps"
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "statefulsets": the path segment, also used in metric labels and logs
  bool namespaced = true;

  // "apps/v1", or "v1" for the core group: the apiVersion of the resource's objects.
  std::string ApiVersion() const;

  auto operator<=>(const Resource&) const = default;
};

// The built-in resources the operator reads or writes.
inline const Resource kPods{"", "v1", "pods", true};
inline const Resource kServices{"", "v1", "services", true};
inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims", true};
inline const Resource kPersistentVolumes{"", "v1", "persistentvolumes", false};
inline const Resource kStatefulSets{"apps", "v1", "statefulsets", true};
inline const Resource kDeployments{"apps", "v1", "deployments", true};
inline const Resource kCronJobs{"batch", "v1", "cronjobs", true};
inline const Resource kEvents{"events.k8s.io", "v1", "events", true};

inline constexpr std::string_view kStatusSubresource = "status";

// The path of a collection: "/api/v1/namespaces/<ns>/pods". An empty `ns` means every namespace
// of a namespaced resource; it is ignored for a cluster-scoped one.
std::string CollectionPath(const Resource& resource, std::string_view ns);

// The path of one object, or of its `subresource` ("status") when that is not empty. `ns` is
// ignored for a cluster-scoped resource. Names are DNS subdomains and need no escaping.
std::string ObjectPath(const Resource& resource, std::string_view ns, std::string_view name,
                       std::string_view subresource = {});

// "<plural> <ns>/<name>", or "<plural> <name>" when cluster-scoped: how logs and errors name an
// object, e.g. "statefulsets redis/redis-master".
std::string Describe(const Resource& resource, std::string_view ns, std::string_view name);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string UrlEncode(std::string_view value);

}  // namespace redispair::kube
