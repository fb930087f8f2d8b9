// The typed way to talk to the API server, in the manner of controller-runtime's client.Client
// and kube-rs' Api<K>: calls name a Resource and an object, never a path, and return a Status in
// which the HTTP status code has already been mapped (see api_error.h):
//
//   NotFound          404                 AlreadyExists   409, reason AlreadyExists
//   Conflict          other 409           Gone            410 (an expired resourceVersion)
//   PermissionDenied  401, 403            InvalidArgument 400, 422 and other 4xx, with the API
//   Unavailable       408, 429, 5xx, and  server's message ("spec.selector: Invalid value...")
//                     transport failures
//   Cancelled         after ApiClient::Shutdown()
//
//   std::unique_ptr<KubeClient> kube = NewKubeClient(&api_client);
//   StatusOr<json> pv = kube->Get(kPersistentVolumes, "", "pv-1");
//   if (Status s = IgnoreNotFound(kube->Delete(kPods, "redis", "p", {})); !s.ok()) return s;
//
// KubeClient is an interface so that the controller can be unit-tested against a fake; the
// operator uses NewKubeClient(), which speaks HTTP through an ApiClient.
//
// Thread-safety: implementations must allow concurrent calls from any number of threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "kube/resource.h"
#include "util/status.h"

namespace redispair::kube {

struct ListOptions {
  std::string label_selector{};  // empty: every object
  int limit = 0;                 // page size; 0: the server's default (everything)
  std::string continue_token{};  // from the previous page's metadata.continue
};

struct WatchOptions {
  std::string resource_version{};  // watch from just after this version
  std::string label_selector{};
  int timeout_seconds = 0;  // the server ends the watch after this long; 0: its default
  bool allow_bookmarks = true;
  // Connecting, TLS and the response header must finish within open_timeout; after that the
  // stream fails with Unavailable when no byte arrives for idle_timeout.
  std::chrono::milliseconds open_timeout{kWatchOpenTimeout};
  std::chrono::milliseconds idle_timeout{kWatchIdleTimeout};
  // Called once the server accepted the watch, before any line. May be empty.
  std::function<void()> on_open{};
};

struct ApplyOptions {
  std::string field_manager{};  // required by the API server for server-side apply
  bool force = false;           // take over fields another manager owns
};

struct DeleteOptions {
  std::string propagation_policy{};  // "Background", "Foreground", "Orphan"; empty: the default
  // Preconditions: the delete fails with Conflict when the live object has another uid or
  // resourceVersion. Empty: not checked.
  std::string precondition_uid{};
  std::string precondition_resource_version{};
};

// Called for every line of a watch stream (one JSON watch event); returning false stops the
// watch, which then returns Cancelled.
using WatchLineHandler = std::function<bool(std::string_view line)>;

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  // The object `name` in namespace `ns` ("" for a cluster-scoped resource).
  virtual StatusOr<nlohmann::json> Get(const Resource& resource, std::string_view ns,
                                       std::string_view name) = 0;

  // One page of the collection in `ns` ("" for every namespace): the List object, with `items`
  // and metadata.resourceVersion / metadata.continue. Gone when options.continue_token expired.
  virtual StatusOr<nlohmann::json> List(const Resource& resource, std::string_view ns,
                                        const ListOptions& options) = 0;

  // Creates `object` (POST). Its namespace and name come from its metadata. Returns the object
  // as stored; AlreadyExists when an object of that name exists.
  virtual StatusOr<nlohmann::json> Create(const Resource& resource,
                                          const nlohmann::json& object) = 0;

  // Server-side apply (PATCH application/apply-patch+yaml) of `object`, which must carry
  // apiVersion, kind and metadata.name (and metadata.namespace when namespaced). Creates the
  // object when it does not exist. Returns the object as stored.
  virtual StatusOr<nlohmann::json> Apply(const Resource& resource, const nlohmann::json& object,
                                         const ApplyOptions& options) = 0;

  // The same for the status subresource: only `object`'s status is written. NotFound when the
  // object does not exist (the status subresource never creates it).
  virtual StatusOr<nlohmann::json> ApplyStatus(const Resource& resource,
                                               const nlohmann::json& object,
                                               const ApplyOptions& options) = 0;

  // Deletes the object. OK once the API server accepted the deletion (the object may still
  // exist with a deletionTimestamp until its finalizers ran); NotFound when it was not there.
  virtual Status Delete(const Resource& resource, std::string_view ns, std::string_view name,
                        const DeleteOptions& options) = 0;

  // Streams a watch of the collection in `ns` until the server ends it (OK), on_line stops it
  // (Cancelled) or it fails (Gone for an expired resource_version, Unavailable for a broken or
  // idle stream, or the mapped HTTP error). See ApiClient::Watch for the line framing.
  virtual Status Watch(const Resource& resource, std::string_view ns, const WatchOptions& options,
                       const WatchLineHandler& on_line) = 0;
};

// A KubeClient that speaks HTTP through `api`, which must outlive it.
std::unique_ptr<KubeClient> NewKubeClient(ApiClient* api);

// OK for NotFound, else `status` unchanged: for deletes and reads where "already gone" is
// success (controller-runtime's client.IgnoreNotFound).
Status IgnoreNotFound(Status status);

}  // namespace redispair::kube
