// Maps Kubernetes API responses to Status codes, with the API server's own message.
//
//   404 NotFound, 409 Conflict (AlreadyExists when reason is AlreadyExists), 410 Gone,
//   401/403 PermissionDenied, 400/422 and other 4xx InvalidArgument, 408/429/5xx Unavailable.
//
// Pure and thread-safe.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/api_client.h"
#include "util/status.h"

namespace redispair::kube {

// OK for a 2xx response. Otherwise an error whose message is
//   "<context>: HTTP <code> <reason>: <message>"
// where reason and message come from the metav1.Status body when there is one (else the start of
// the raw body), e.g. `create redis/redis-master: HTTP 409 AlreadyExists: statefulsets.apps
// "redis-master" already exists`.
Status StatusFromResponse(const HttpResponse& response, std::string_view context);

// The same for a metav1.Status object on its own, such as the object of a watch ERROR event
// (`{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",...}}`). Uses its
// `code` field, and maps reason Expired/Gone to Gone even without a code.
Status StatusFromKubeStatus(const nlohmann::json& status, std::string_view context);

}  // namespace redispair::kube
