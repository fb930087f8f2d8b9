#include "controller/render.h"

#include "controller/launcher.h"
#include "controller/names.h"
#include "controller/redis_config.h"
#include "util/password.h"

namespace redispair {
namespace {

using nlohmann::json;

constexpr int kRedisUid = 999;  // the redis user of the official image and of Debian's package

json LabelsJson(const std::map<std::string, std::string>& labels) {
  json out = json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

json OwnerReference(const RedisPair& rp) {
  return json{{"apiVersion", kApiVersion}, {"kind", kKind},
              {"name", rp.name},           {"uid", rp.uid},
              {"controller", true},        {"blockOwnerDeletion", true}};
}

json Metadata(const RedisPair& rp, const std::string& name, const std::string& component) {
  return json{{"name", name},
              {"namespace", rp.namespace_},
              {"labels", LabelsJson(names::CommonLabels(rp, component))},
              {"ownerReferences", json::array({OwnerReference(rp)})}};
}

json ResourcesJson(const Resources& r) {
  json out = json::object();
  if (!r.requests.empty()) out["requests"] = r.requests;
  if (!r.limits.empty()) out["limits"] = r.limits;
  return out;
}

// Passes the `restricted` Pod Security Standard.
json PodSecurityContext() {
  return json{{"runAsNonRoot", true},
              {"runAsUser", kRedisUid},
              {"runAsGroup", kRedisUid},
              {"fsGroup", kRedisUid},
              {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json ContainerSecurityContext() {
  return json{{"allowPrivilegeEscalation", false},
              {"readOnlyRootFilesystem", true},
              {"runAsNonRoot", true},
              {"capabilities", {{"drop", json::array({"ALL"})}}}};
}

json ExecProbe(const std::vector<std::string>& command, int initial_delay, int period,
               int failures) {
  return json{{"exec", {{"command", command}}},
              {"initialDelaySeconds", initial_delay},
              {"periodSeconds", period},
              {"timeoutSeconds", 3},
              {"failureThreshold", failures}};
}

json SecretEnv(const std::string& name, const std::string& secret, const std::string& key) {
  return {{"name", name}, {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", key}}}}}};
}

// The operator's password as REDISCLI_AUTH (launcher.h), for redis-cli in the pod, the probes and
// the INFO job.
json OperatorPasswordEnv(const RedisPair& rp) {
  json env = json::array();
  if (rp.spec.auth_enabled) {
    env.push_back(
        SecretEnv(kOperatorPasswordEnv, names::OperatorSecret(rp), names::kOperatorSecretKey));
  }
  return env;
}

// Required anti-affinity against the other role's pods on the same node. Both roles carry it, so
// neither can be scheduled next to the other whichever starts first.
json AntiAffinityAgainst(const RedisPair& rp, const std::string& other_component) {
  return json{
      {"podAntiAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         json::array({{{"labelSelector",
                        {{"matchLabels", LabelsJson(names::SelectorLabels(rp, other_component))}}},
                       {"topologyKey", "kubernetes.io/hostname"}}})}}}};
}

json RedisContainer(const RedisPair& rp, RedisRole role, const Resources& resources) {
  json env = OperatorPasswordEnv(rp);
  if (rp.spec.auth_enabled) {
    // Read once, when the container starts; later changes are applied at runtime.
    env.push_back(SecretEnv(kClientPasswordEnv, names::AuthSecret(rp), rp.spec.auth_secret_key));
  }
  env.push_back({{"name", kConfigEnv}, {"value", RenderRedisConfig(ConfigParamsFor(rp, role))}});
  const bool master = role == RedisRole::kMaster;
  if (master) {
    env.push_back({{"name", kRefillFromEnv}, {"value", names::ReplicaHeadlessAddress(rp)}});
  }
  return json{
      {"name", names::kRedisContainer},
      {"image", rp.spec.image},
      {"imagePullPolicy", rp.spec.image_pull_policy},
      // args, not command: the official image's entrypoint stays in charge of the process.
      {"args", RedisLauncherArgs()},
      {"env", env},
      {"ports", json::array({{{"name", names::kRedisPortName},
                              {"containerPort", names::kRedisPort},
                              {"protocol", "TCP"}}})},
      {"resources", ResourcesJson(resources)},
      {"securityContext", ContainerSecurityContext()},
      {"livenessProbe", ExecProbe(LivenessCommand(), 15, 10, 6)},
      // The replica's link comes up a moment after the master listens, which is usually after its
      // first check: every 2 s rather than 5 s, so Ready follows the link within 2 s.
      {"readinessProbe", master ? ExecProbe(MasterReadinessCommand(), 2, 5, 3)
                                : ExecProbe(ReplicaReadinessCommand(), 1, 2, 5)},
      {"volumeMounts", json::array({{{"name", names::kDataVolume}, {"mountPath", kDataDir}}})},
  };
}

json PodTemplateMetadata(const RedisPair& rp, const std::string& component,
                         const RenderInputs& in) {
  json meta = {{"labels", LabelsJson(names::CommonLabels(rp, component))}};
  if (!in.operator_auth_hash.empty()) {
    meta["annotations"] = {{kOperatorAuthHashAnnotation, in.operator_auth_hash}};
  }
  return meta;
}

json ServicePort(int node_port) {
  json port = {{"name", names::kRedisPortName},
               {"port", names::kRedisPort},
               {"targetPort", names::kRedisPortName},
               {"protocol", "TCP"}};
  if (node_port > 0) port["nodePort"] = node_port;
  return port;
}

ChildObject Child(const kube::Resource& resource, json object) {
  const std::string name = object["metadata"]["name"].get<std::string>();
  // The digest covers everything the operator sets; json::dump sorts keys, so it is stable.
  object["metadata"]["annotations"][kSpecHashAnnotation] = Sha256Hex(object.dump()).substr(0, 16);
  return ChildObject{resource, name, std::move(object)};
}

}  // namespace

// Copies the static importer from the operator's image into the importer volume.
json ImporterInitContainer(const RedisPair& rp, const std::string& image) {
  return json{
      {"name", names::kImporterInitContainer},
      {"image", image},
      {"imagePullPolicy", rp.spec.image_pull_policy},
      {"args", json::array({"install-importer", "--to", kImporterDir})},
      {"resources",
       {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}, {"limits", {{"memory", "64Mi"}}}}},
      {"securityContext", ContainerSecurityContext()},
      {"volumeMounts",
       json::array({{{"name", names::kImporterVolume}, {"mountPath", kImporterDir}}})},
  };
}

json BuildMasterStatefulSet(const RedisPair& rp, const RenderInputs& in) {
  const std::string name = names::MasterStatefulSet(rp);
  json claim_spec = {
      {"accessModes", json::array({"ReadWriteOnce"})},
      {"resources", {{"requests", {{"storage", rp.spec.storage_size}}}}},
  };
  if (!rp.spec.storage_class_name.empty()) {
    claim_spec["storageClassName"] = rp.spec.storage_class_name;
  }
  json pod_spec = {
      {"securityContext", PodSecurityContext()},
      {"affinity", AntiAffinityAgainst(rp, names::kRoleReplica)},
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", 30},
      {"containers",
       json::array({RedisContainer(rp, RedisRole::kMaster, rp.spec.master_resources)})},
  };
  if (!in.importer_image.empty()) {
    pod_spec["initContainers"] = json::array({ImporterInitContainer(rp, in.importer_image)});
    pod_spec["volumes"] =
        json::array({{{"name", names::kImporterVolume}, {"emptyDir", json::object()}}});
    pod_spec["containers"][0]["volumeMounts"].push_back(
        {{"name", names::kImporterVolume}, {"mountPath", kImporterDir}});
  }
  return json{
      {"apiVersion", "apps/v1"},
      {"kind", "StatefulSet"},
      {"metadata", Metadata(rp, name, names::kRoleMaster)},
      {"spec",
       {{"replicas", 1},
        {"serviceName", names::MasterHeadlessService(rp)},
        {"selector", {{"matchLabels", LabelsJson(names::SelectorLabels(rp, names::kRoleMaster))}}},
        {"persistentVolumeClaimRetentionPolicy",
         {{"whenDeleted", rp.spec.retention_policy}, {"whenScaled", "Retain"}}},
        {"template",
         {{"metadata", PodTemplateMetadata(rp, names::kRoleMaster, in)}, {"spec", pod_spec}}},
        {"volumeClaimTemplates",
         json::array({{{"apiVersion", "v1"},
                       {"kind", "PersistentVolumeClaim"},
                       {"metadata",
                        {{"name", names::kDataVolume},
                         {"labels", LabelsJson(names::CommonLabels(rp, names::kRoleMaster))}}},
                       {"spec", claim_spec}}})}}},
  };
}

json BuildMasterHeadlessService(const RedisPair& rp) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", Metadata(rp, names::MasterHeadlessService(rp), names::kRoleMaster)},
      {"spec",
       {{"clusterIP", "None"},
        // The master pod's name resolves while the master is still starting (the StatefulSet's
        // governing Service; the replica follows BuildMasterReplicationService instead).
        {"publishNotReadyAddresses", true},
        {"selector", LabelsJson(names::SelectorLabels(rp, names::kRoleMaster))},
        {"ports", json::array({ServicePort(0)})}}},
  };
}

json BuildMasterService(const RedisPair& rp) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", Metadata(rp, names::MasterService(rp), names::kRoleMaster)},
      {"spec",
       {{"type", "NodePort"},
        {"selector", LabelsJson(names::SelectorLabels(rp, names::kRoleMaster))},
        {"ports", json::array({ServicePort(rp.spec.master_node_port)})}}},
  };
}

json BuildMasterReplicationService(const RedisPair& rp) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", Metadata(rp, names::MasterReplicationService(rp), names::kRoleMaster)},
      {"spec",
       {{"type", "ClusterIP"},
        {"publishNotReadyAddresses", true},
        {"selector", LabelsJson(names::SelectorLabels(rp, names::kRoleMaster))},
        {"ports", json::array({ServicePort(0)})}}},
  };
}

json BuildReplicaDeployment(const RedisPair& rp, const RenderInputs& in) {
  json affinity = AntiAffinityAgainst(rp, names::kRoleMaster);
  if (!in.replica_avoid_nodes.empty()) {
    affinity["nodeAffinity"] = {
        {"requiredDuringSchedulingIgnoredDuringExecution",
         {{"nodeSelectorTerms",
           json::array(
               {{{"matchExpressions", json::array({{{"key", "kubernetes.io/hostname"},
                                                    {"operator", "NotIn"},
                                                    {"values", in.replica_avoid_nodes}}})}}})}}}};
  }
  json pod_spec = {
      {"securityContext", PodSecurityContext()},
      {"affinity", affinity},
      {"enableServiceLinks", false},
      {"terminationGracePeriodSeconds", 10},
      {"containers",
       json::array({RedisContainer(rp, RedisRole::kReplica, rp.spec.replica_resources)})},
      // The replica keeps no state; an emptyDir holds what the server writes while syncing.
      {"volumes", json::array({{{"name", names::kDataVolume}, {"emptyDir", json::object()}}})},
  };
  return json{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", Metadata(rp, names::ReplicaDeployment(rp), names::kRoleReplica)},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", LabelsJson(names::SelectorLabels(rp, names::kRoleReplica))}}},
        // Remove before replacing. A surge pod could only become ready once the master runs, so
        // when the master is Pending behind the old replica (the placement deadlock), a surge
        // rollout would never finish; replacing in place frees the node at once.
        {"strategy",
         {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 0}, {"maxUnavailable", 1}}}}},
        {"template",
         {{"metadata", PodTemplateMetadata(rp, names::kRoleReplica, in)}, {"spec", pod_spec}}}}},
  };
}

json BuildReplicaService(const RedisPair& rp) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", Metadata(rp, names::ReplicaService(rp), names::kRoleReplica)},
      {"spec",
       {{"type", "NodePort"},
        {"selector", LabelsJson(names::SelectorLabels(rp, names::kRoleReplica))},
        {"ports", json::array({ServicePort(rp.spec.replica_node_port)})}}},
  };
}

json BuildReplicaHeadlessService(const RedisPair& rp) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", Metadata(rp, names::ReplicaHeadlessService(rp), names::kRoleReplica)},
      {"spec",
       {{"clusterIP", "None"},
        // A replica is not ready while its master is down, which is exactly when the master's
        // launcher must find it (launcher.h).
        {"publishNotReadyAddresses", true},
        {"selector", LabelsJson(names::SelectorLabels(rp, names::kRoleReplica))},
        {"ports", json::array({ServicePort(0)})}}},
  };
}

json BuildInfoCronJob(const RedisPair& rp) {
  json container = {
      {"name", names::kInfoContainer},
      {"image", rp.spec.image},
      {"imagePullPolicy", rp.spec.image_pull_policy},
      {"args", InfoJobArgs(rp)},
      {"env", OperatorPasswordEnv(rp)},
      {"resources",
       {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}, {"limits", {{"memory", "64Mi"}}}}},
      {"securityContext", ContainerSecurityContext()},
  };
  json pod_spec = {
      {"restartPolicy", "Never"},
      {"securityContext", PodSecurityContext()},
      {"enableServiceLinks", false},
      {"containers", json::array({container})},
  };
  return json{
      {"apiVersion", "batch/v1"},
      {"kind", "CronJob"},
      {"metadata", Metadata(rp, names::InfoCronJob(rp), names::kComponentInfo)},
      {"spec",
       {{"schedule", rp.spec.info_job_schedule},
        // A slow run must not pile up behind the next minute's.
        {"concurrencyPolicy", "Forbid"},
        {"startingDeadlineSeconds", 30},
        {"successfulJobsHistoryLimit", 3},
        {"failedJobsHistoryLimit", 3},
        {"jobTemplate",
         {{"metadata", {{"labels", LabelsJson(names::CommonLabels(rp, names::kComponentInfo))}}},
          {"spec",
           {{"backoffLimit", 0},
            {"activeDeadlineSeconds", 50},
            {"template",
             {{"metadata",
               {{"labels", LabelsJson(names::CommonLabels(rp, names::kComponentInfo))}}},
              {"spec", pod_spec}}}}}}}}},
  };
}

json BuildAuthSecret(const RedisPair& rp, const std::string& password) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", Metadata(rp, names::GeneratedSecret(rp), names::kComponentAuth)},
      {"type", "Opaque"},
      {"stringData", {{rp.spec.auth_secret_key, password}}},
  };
}

json BuildOperatorSecret(const RedisPair& rp, const std::string& password) {
  return json{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", Metadata(rp, names::OperatorSecret(rp), names::kComponentAuth)},
      {"type", "Opaque"},
      {"stringData", {{names::kOperatorSecretKey, password}}},
  };
}

json BuildSecretAdoption(const RedisPair& rp, const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", name},
                {"namespace", rp.namespace_},
                {"ownerReferences", json::array({OwnerReference(rp)})}}}};
}

std::string OperatorAuthHash(const std::string& operator_password) {
  return Sha256Hex(operator_password).substr(0, 16);
}

std::vector<ChildObject> DesiredChildren(const RedisPair& rp, const RenderInputs& in) {
  std::vector<ChildObject> children;
  children.push_back(Child(kube::kServices, BuildMasterHeadlessService(rp)));
  children.push_back(Child(kube::kServices, BuildMasterService(rp)));
  children.push_back(Child(kube::kServices, BuildMasterReplicationService(rp)));
  children.push_back(Child(kube::kServices, BuildReplicaService(rp)));
  children.push_back(Child(kube::kServices, BuildReplicaHeadlessService(rp)));
  children.push_back(Child(kube::kStatefulSets, BuildMasterStatefulSet(rp, in)));
  children.push_back(Child(kube::kDeployments, BuildReplicaDeployment(rp, in)));
  if (rp.spec.info_job_enabled) children.push_back(Child(kube::kCronJobs, BuildInfoCronJob(rp)));
  return children;
}

}  // namespace redispair
