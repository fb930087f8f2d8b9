#include "kube/client.h"

#include <utility>

#include "kube/api_client.h"
#include "kube/api_error.h"
#include "util/json_fields.h"

namespace redispair::kube {
namespace {

using nlohmann::json;

constexpr char kApplyContentType[] = "application/apply-patch+yaml";

// The namespace and name an object's metadata gives, checked against the resource's scope.
struct ObjectName {
  std::string ns;
  std::string name;
};

StatusOr<ObjectName> NameOf(const Resource& resource, const json& object, std::string_view verb) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return Status::InvalidArgument(std::string(verb) + " " + resource.plural +
                                   ": the object has no metadata");
  }
  const json& meta = object["metadata"];
  ObjectName out{StringField(meta, "namespace"), StringField(meta, "name")};
  if (out.name.empty() || (resource.namespaced && out.ns.empty())) {
    return Status::InvalidArgument(std::string(verb) + " " + resource.plural +
                                   ": the object needs metadata.name" +
                                   (resource.namespaced ? " and metadata.namespace" : ""));
  }
  if (!resource.namespaced) out.ns.clear();
  return out;
}

std::string ApplyQuery(const ApplyOptions& options) {
  std::string query = "?fieldManager=" + UrlEncode(options.field_manager);
  if (options.force) query += "&force=true";
  return query;
}

// The DeleteOptions body, or "" when every option has its default.
std::string DeleteBody(const DeleteOptions& options) {
  json body = json::object();
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  return body.empty() ? std::string() : body.dump();
}

class HttpKubeClient : public KubeClient {
 public:
  explicit HttpKubeClient(ApiClient* api) : api_(api) {}

  StatusOr<json> Get(const Resource& resource, std::string_view ns,
                     std::string_view name) override {
    return Call("GET", ObjectPath(resource, ns, name), "", {},
                "get " + Describe(resource, ns, name));
  }

  StatusOr<json> List(const Resource& resource, std::string_view ns,
                      const ListOptions& options) override {
    std::string target = CollectionPath(resource, ns);
    char sep = '?';
    auto add = [&](const char* key, const std::string& value) {
      target += sep + std::string(key) + "=" + UrlEncode(value);
      sep = '&';
    };
    if (options.limit > 0) add("limit", std::to_string(options.limit));
    if (!options.label_selector.empty()) add("labelSelector", options.label_selector);
    if (!options.continue_token.empty()) add("continue", options.continue_token);
    return Call("GET", target, "", {}, "list " + CollectionPath(resource, ns));
  }

  StatusOr<json> Create(const Resource& resource, const json& object) override {
    StatusOr<ObjectName> id = NameOf(resource, object, "create");
    if (!id.ok()) return id.status();
    return Call("POST", CollectionPath(resource, id->ns), object.dump(),
                {.content_type = "application/json"},
                "create " + Describe(resource, id->ns, id->name));
  }

  StatusOr<json> Apply(const Resource& resource, const json& object,
                       const ApplyOptions& options) override {
    return DoApply(resource, object, options, "");
  }

  StatusOr<json> ApplyStatus(const Resource& resource, const json& object,
                             const ApplyOptions& options) override {
    return DoApply(resource, object, options, kStatusSubresource);
  }

  Status Delete(const Resource& resource, std::string_view ns, std::string_view name,
                const DeleteOptions& options) override {
    const std::string body = DeleteBody(options);
    RequestOptions request;
    if (!body.empty()) request.content_type = "application/json";
    // The answer is the deleted object or a Status; neither is needed.
    return Send("DELETE", ObjectPath(resource, ns, name), body, request,
                "delete " + Describe(resource, ns, name))
        .status();
  }

  Status Watch(const Resource& resource, std::string_view ns, const WatchOptions& options,
               const WatchLineHandler& on_line) override {
    std::string target = CollectionPath(resource, ns) + "?watch=1";
    if (options.allow_bookmarks) target += "&allowWatchBookmarks=true";
    target += "&resourceVersion=" + UrlEncode(options.resource_version);
    if (options.timeout_seconds > 0) {
      target += "&timeoutSeconds=" + std::to_string(options.timeout_seconds);
    }
    if (!options.label_selector.empty()) {
      target += "&labelSelector=" + UrlEncode(options.label_selector);
    }
    return api_->Watch(target,
                       {.open_timeout = options.open_timeout,
                        .idle_timeout = options.idle_timeout,
                        .on_open = options.on_open},
                       on_line);
  }

 private:
  StatusOr<json> DoApply(const Resource& resource, const json& object, const ApplyOptions& options,
                         std::string_view subresource) {
    const char* verb = subresource.empty() ? "apply" : "apply status of";
    StatusOr<ObjectName> id = NameOf(resource, object, verb);
    if (!id.ok()) return id.status();
    if (options.field_manager.empty()) {
      return Status::InvalidArgument(std::string(verb) + " " + resource.plural +
                                     ": server-side apply needs a field manager");
    }
    // JSON is YAML, which is what the apply patch type is declared as.
    return Call("PATCH", ObjectPath(resource, id->ns, id->name, subresource) + ApplyQuery(options),
                object.dump(), {.content_type = kApplyContentType},
                std::string(verb) + " " + Describe(resource, id->ns, id->name));
  }

  // One request, its HTTP status mapped to a Status: the one place that looks at status codes.
  // `what` prefixes every error message.
  StatusOr<HttpResponse> Send(std::string_view method, const std::string& target,
                              std::string_view body, const RequestOptions& options,
                              const std::string& what) {
    StatusOr<HttpResponse> response = api_->Request(method, target, body, options);
    if (!response.ok()) return response.status().WithContext(what);
    if (Status s = StatusFromResponse(*response, what); !s.ok()) return s;
    return response;
  }

  // Send() for a request whose 2xx answer is a JSON object.
  StatusOr<json> Call(std::string_view method, const std::string& target, std::string_view body,
                      const RequestOptions& options, const std::string& what) {
    StatusOr<HttpResponse> response = Send(method, target, body, options, what);
    if (!response.ok()) return response.status();
    json parsed = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return Status::Internal(what + ": the response is not JSON: " + response->body.substr(0, 80));
    }
    return parsed;
  }

  ApiClient* api_;
};

}  // namespace

std::unique_ptr<KubeClient> NewKubeClient(ApiClient* api) {
  return std::make_unique<HttpKubeClient>(api);
}

Status IgnoreNotFound(Status status) {
  if (status.IsNotFound()) return Status::Ok();
  return status;
}

}  // namespace redispair::kube
