#include "cmd/own_image.h"

#include <cstdlib>

#include "util/json_fields.h"
#include "util/log.h"

namespace redispair::cmd {

using nlohmann::json;

std::string ContainerImage(const json& pod, std::string_view container) {
  const json& containers = Field(Field(pod, "spec"), "containers");
  if (!containers.is_array() || containers.empty()) return "";
  for (const json& c : containers) {
    if (StringField(c, "name") == container) return StringField(c, "image");
  }
  return StringField(containers.front(), "image");
}

std::string OwnImage(kube::KubeClient* client) {
  const char* name = std::getenv("POD_NAME");
  const char* ns = std::getenv("POD_NAMESPACE");
  if (name == nullptr || *name == '\0' || ns == nullptr || *ns == '\0') {
    LogInfo("POD_NAME/POD_NAMESPACE unset (not running in a pod): master pods get no importer");
    return "";
  }
  StatusOr<json> pod = client->Get(kube::kPods, ns, name);
  if (!pod.ok()) {
    LogWarn("cannot read the operator's own pod: master pods get no importer",
            {{"error", pod.status().ToString()}});
    return "";
  }
  return ContainerImage(*pod, "operator");
}

}  // namespace redispair::cmd
