// The image the operator runs from, read from its own Pod: it carries the static importer that
// master pods copy (RenderInputs::importer_image).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/client.h"

namespace redispair::cmd {

// The image of `pod`'s container named `container`, else of its first container; "" when the pod
// has none. Pure.
std::string ContainerImage(const nlohmann::json& pod, std::string_view container);

// Reads the Pod $POD_NAMESPACE/$POD_NAME (the Deployment sets both from the downward API) and
// returns ContainerImage(pod, "operator"). "" when the variables are unset (the operator runs
// outside the cluster, as in the integration tests) or the Pod cannot be read; the reason is
// logged, since an operator without it still works, only without the in-pod importer.
std::string OwnImage(kube::KubeClient* client);

}  // namespace redispair::cmd
