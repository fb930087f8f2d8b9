#include "controller/render.h"

#include <catch2/catch.hpp>

#include "controller/launcher.h"
#include "controller/names.h"
#include "controller/redis_config.h"
#include "test_objects.h"

namespace redispair {

using nlohmann::json;
using testing::DefaultPair;

namespace {

const json& Container(const json& workload) {
  return workload["spec"]["template"]["spec"]["containers"][0];
}

std::string EnvValue(const json& container, const std::string& name) {
  for (const json& e : container["env"]) {
    if (e["name"] == name) return e.contains("value") ? e["value"].get<std::string>() : "<ref>";
  }
  return "";
}

}  // namespace

TEST_CASE("EveryChildHasAControllerOwnerReferenceAndRecommendedLabels") {
  RedisPair rp = DefaultPair();
  rp.spec.info_job_enabled = true;
  auto children = DesiredChildren(rp, {});
  REQUIRE(children.size() == 8);
  for (const ChildObject& c : children) {
    const json& meta = c.object["metadata"];
    INFO(c.name);
    CHECK(meta["namespace"] == "redis");
    REQUIRE(meta["ownerReferences"].size() == 1);
    const json& ref = meta["ownerReferences"][0];
    CHECK(ref["kind"] == "RedisPair");
    CHECK(ref["uid"] == "uid-1");
    CHECK(ref["controller"] == true);
    CHECK(ref["blockOwnerDeletion"] == true);
    CHECK(meta["labels"]["app.kubernetes.io/managed-by"] == "redispair-operator");
    CHECK(meta["labels"]["app.kubernetes.io/instance"] == "redis");
    CHECK(meta["annotations"][kSpecHashAnnotation].get<std::string>().size() == 16);
  }
}

TEST_CASE("ChildrenAreNamedAndOrderedServicesFirst") {
  auto children = DesiredChildren(DefaultPair(), {});
  std::vector<std::string> got;
  for (const auto& c : children) got.push_back(c.object["kind"].get<std::string>() + "/" + c.name);
  CHECK(got == std::vector<std::string>{"Service/redis-master-headless", "Service/redis-master",
                                        "Service/redis-master-repl", "Service/redis-replica",
                                        "Service/redis-replica-headless",
                                        "StatefulSet/redis-master", "Deployment/redis-replica"});
  CHECK(children[0].resource == kube::kServices);
  CHECK(children[5].resource == kube::kStatefulSets);
  CHECK(children[6].resource == kube::kDeployments);
}

TEST_CASE("InfoCronJobOnlyWhenEnabled") {
  RedisPair rp = DefaultPair();
  CHECK(DesiredChildren(rp, {}).size() == 7);
  rp.spec.info_job_enabled = true;
  rp.spec.info_job_schedule = "*/2 * * * *";
  auto children = DesiredChildren(rp, {});
  REQUIRE(children.size() == 8);
  const json& cj = children.back().object;
  CHECK(cj["kind"] == "CronJob");
  CHECK(cj["spec"]["schedule"] == "*/2 * * * *");
  CHECK(cj["spec"]["concurrencyPolicy"] == "Forbid");
  const std::string script =
      cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"][2];
  CHECK(script.find("info replication") != std::string::npos);
  // It authenticates as the operator, whose password never changes at runtime.
  const json& env = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"];
  REQUIRE(env.size() == 1);
  CHECK(env[0]["name"] == kOperatorPasswordEnv);
  CHECK(env[0]["valueFrom"]["secretKeyRef"]["name"] == "redis-operator-auth");
}

TEST_CASE("SpecHashChangesWithTheSpecAndOnlyThen") {
  RedisPair rp = DefaultPair();
  const auto a = DesiredChildren(rp, {});
  const auto b = DesiredChildren(rp, {});
  CHECK(a[1].object == b[1].object);
  rp.spec.master_node_port = 30000;
  const auto c = DesiredChildren(rp, {});
  CHECK(c[1].object["metadata"]["annotations"][kSpecHashAnnotation] !=
        a[1].object["metadata"]["annotations"][kSpecHashAnnotation]);
  CHECK(c[3].object == a[3].object);  // the replica Service did not change
}

TEST_CASE("NodePortsComeFromTheSpec") {
  RedisPair rp = DefaultPair();
  CHECK(BuildMasterService(rp)["spec"]["ports"][0]["nodePort"] == 32400);
  CHECK(BuildReplicaService(rp)["spec"]["ports"][0]["nodePort"] == 32401);
  CHECK(BuildMasterService(rp)["spec"]["type"] == "NodePort");
  const json headless = BuildMasterHeadlessService(rp);
  CHECK(headless["spec"]["clusterIP"] == "None");
  CHECK(headless["spec"]["publishNotReadyAddresses"] == true);
  CHECK_FALSE(headless["spec"]["ports"][0].contains("nodePort"));
  // The replicas' headless Service lists them even when they are not ready (their master is
  // down): that is when the master's launcher asks them for data.
  const json replicas = BuildReplicaHeadlessService(rp);
  CHECK(replicas["metadata"]["name"] == "redis-replica-headless");
  CHECK(replicas["spec"]["clusterIP"] == "None");
  CHECK(replicas["spec"]["publishNotReadyAddresses"] == true);
  CHECK(replicas["spec"]["selector"]["app.kubernetes.io/component"] == "replica");
}

TEST_CASE("ReplicationServiceHasAStableAddressAndPublishesAStartingMaster") {
  const json svc = BuildMasterReplicationService(DefaultPair());
  CHECK(svc["metadata"]["name"] == "redis-master-repl");
  // A virtual IP (not headless): its DNS answer never changes, so no cached answer goes stale.
  CHECK(svc["spec"]["type"] == "ClusterIP");
  CHECK_FALSE(svc["spec"].contains("clusterIP"));
  CHECK(svc["spec"]["publishNotReadyAddresses"] == true);
  CHECK(svc["spec"]["selector"] == BuildMasterService(DefaultPair())["spec"]["selector"]);
  CHECK_FALSE(svc["spec"]["ports"][0].contains("nodePort"));
  // The Service users reach still routes only to a ready master.
  CHECK_FALSE(BuildMasterService(DefaultPair())["spec"].contains("publishNotReadyAddresses"));
}

TEST_CASE("MasterStatefulSetPersistsOnItsClaimWithRetention") {
  RedisPair rp = DefaultPair();
  rp.spec.storage_class_name = "local-path";
  rp.spec.retention_policy = "Delete";
  const json sts = BuildMasterStatefulSet(rp, {});
  CHECK(sts["spec"]["serviceName"] == "redis-master-headless");
  CHECK(sts["spec"]["replicas"] == 1);
  CHECK(sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete");
  const json& claim = sts["spec"]["volumeClaimTemplates"][0];
  CHECK(claim["metadata"]["name"] == "data");
  CHECK(claim["spec"]["resources"]["requests"]["storage"] == "1Gi");
  CHECK(claim["spec"]["storageClassName"] == "local-path");
  CHECK(Container(sts)["volumeMounts"][0]["mountPath"] == "/data");
  const std::string conf = EnvValue(Container(sts), kConfigEnv);
  CHECK(conf.find("appendonly yes\n") != std::string::npos);
  CHECK(conf.find("appendfsync everysec\n") != std::string::npos);
  CHECK(conf.find("dir /data\n") != std::string::npos);
  CHECK(conf.find("replicaof") == std::string::npos);
}

TEST_CASE("MasterPodCarriesTheImporterFromTheOperatorsImageWhenKnown") {
  RedisPair rp = DefaultPair();
  const json none = BuildMasterStatefulSet(rp, {});
  CHECK_FALSE(none["spec"]["template"]["spec"].contains("initContainers"));

  RenderInputs in;
  in.importer_image = "redispair-operator:abc";
  const json sts = BuildMasterStatefulSet(rp, in);
  const json& pod = sts["spec"]["template"]["spec"];
  REQUIRE(pod["initContainers"].size() == 1);
  const json& init = pod["initContainers"][0];
  CHECK(init["image"] == "redispair-operator:abc");
  CHECK(init["args"] == json::array({"install-importer", "--to", "/opt/redispair"}));
  CHECK(init["securityContext"] == Container(sts)["securityContext"]);  // restricted, as redis
  CHECK(pod["volumes"][0] == json{{"name", "importer"}, {"emptyDir", json::object()}});
  CHECK(init["volumeMounts"][0]["mountPath"] == "/opt/redispair");
  // The redis container sees the same volume there, next to its data.
  const json& mounts = Container(sts)["volumeMounts"];
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0]["mountPath"] == "/data");
  CHECK(mounts[1] == json{{"name", "importer"}, {"mountPath", "/opt/redispair"}});
  // The replica is not touched: imports go to the master only.
  const json replica = BuildReplicaDeployment(rp, in);
  CHECK_FALSE(replica["spec"]["template"]["spec"].contains("initContainers"));
}

TEST_CASE("StorageClassIsOmittedWhenEmptySoTheDefaultClassApplies") {
  const json sts = BuildMasterStatefulSet(DefaultPair(), {});
  CHECK_FALSE(sts["spec"]["volumeClaimTemplates"][0]["spec"].contains("storageClassName"));
}

TEST_CASE("ReplicaFollowsTheMastersStableDnsName") {
  const json dep = BuildReplicaDeployment(DefaultPair(), {});
  const std::string conf = EnvValue(Container(dep), kConfigEnv);
  CHECK(conf.find("replicaof redis-master-repl.redis.svc 6379\n") != std::string::npos);
  CHECK(conf.find("appendonly no\n") != std::string::npos);
  CHECK(dep["spec"]["template"]["spec"]["volumes"][0]["emptyDir"].is_object());
}

TEST_CASE("AntiAffinityIsRequiredInBothDirections") {
  RedisPair rp = DefaultPair();
  const json master = BuildMasterStatefulSet(rp, {})["spec"]["template"]["spec"]["affinity"];
  const json replica = BuildReplicaDeployment(rp, {})["spec"]["template"]["spec"]["affinity"];
  const json& m = master["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
  const json& r = replica["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0];
  CHECK(m["topologyKey"] == "kubernetes.io/hostname");
  CHECK(m["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "replica");
  CHECK(r["topologyKey"] == "kubernetes.io/hostname");
  CHECK(r["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "master");
  CHECK_FALSE(replica.contains("nodeAffinity"));  // the scheduler chooses the replica's node
}

TEST_CASE("ReplicaAvoidNodesBecomeANodeAffinity") {
  RenderInputs in;
  in.replica_avoid_nodes = {"node-a"};
  const json aff =
      BuildReplicaDeployment(DefaultPair(), in)["spec"]["template"]["spec"]["affinity"];
  const json& expr = aff["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                        ["nodeSelectorTerms"][0]["matchExpressions"][0];
  CHECK(expr["operator"] == "NotIn");
  CHECK(expr["values"] == json::array({"node-a"}));
}

TEST_CASE("PodsPassTheRestrictedPodSecurityStandard") {
  RedisPair rp = DefaultPair();
  rp.spec.info_job_enabled = true;
  std::vector<json> pod_specs = {
      BuildMasterStatefulSet(rp, {})["spec"]["template"]["spec"],
      BuildReplicaDeployment(rp, {})["spec"]["template"]["spec"],
      BuildInfoCronJob(rp)["spec"]["jobTemplate"]["spec"]["template"]["spec"]};
  for (const json& spec : pod_specs) {
    CHECK(spec["securityContext"]["runAsNonRoot"] == true);
    CHECK(spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
    const json& sc = spec["containers"][0]["securityContext"];
    CHECK(sc["allowPrivilegeEscalation"] == false);
    CHECK(sc["capabilities"]["drop"] == json::array({"ALL"}));
    CHECK(sc["readOnlyRootFilesystem"] == true);
  }
}

TEST_CASE("PasswordsComeFromTheSecretsAndNeverFromArgs") {
  RedisPair rp = DefaultPair();
  const json c = Container(BuildMasterStatefulSet(rp, {}));
  CHECK_FALSE(c.contains("command"));  // args only: the image's entrypoint stays in charge
  CHECK(c["args"][0] == "sh");
  auto secret_ref = [](const json& container, const std::string& name) {
    for (const json& e : container["env"]) {
      if (e["name"] == name) return e["valueFrom"]["secretKeyRef"];
    }
    return json();
  };
  CHECK(secret_ref(c, kClientPasswordEnv) == json{{"name", "redis-auth"}, {"key", "password"}});
  CHECK(secret_ref(c, kOperatorPasswordEnv) ==
        json{{"name", "redis-operator-auth"}, {"key", "password"}});
  const std::string launcher = c["args"][2];
  CHECK(launcher.find("exec redis-server -") != std::string::npos);
  CHECK(launcher.find("user default on #") != std::string::npos);

  rp.spec.auth_secret_name = "mine";
  CHECK(secret_ref(Container(BuildMasterStatefulSet(rp, {})), kClientPasswordEnv)["name"] ==
        "mine");
  rp.spec.auth_enabled = false;
  for (const json& w : {BuildMasterStatefulSet(rp, {}), BuildReplicaDeployment(rp, {})}) {
    CHECK(EnvValue(Container(w), kClientPasswordEnv).empty());
    CHECK(EnvValue(Container(w), kOperatorPasswordEnv).empty());
  }
}

TEST_CASE("OnlyTheMasterLooksForAReplicaWithDataBeforeStarting") {
  const RedisPair rp = DefaultPair();
  CHECK(EnvValue(Container(BuildMasterStatefulSet(rp, {})), kRefillFromEnv) ==
        "redis-replica-headless.redis.svc:6379");
  CHECK(EnvValue(Container(BuildReplicaDeployment(rp, {})), kRefillFromEnv).empty());
}

TEST_CASE("ProbesAcceptLoadingAndReplicaReadinessNeedsTheLink") {
  const json m = Container(BuildMasterStatefulSet(DefaultPair(), {}));
  const json r = Container(BuildReplicaDeployment(DefaultPair(), {}));
  const std::string live = m["livenessProbe"]["exec"]["command"][2];
  CHECK(live.find("LOADING") != std::string::npos);
  const std::string ready = r["readinessProbe"]["exec"]["command"][2];
  CHECK(ready.find("master_link_status:up") != std::string::npos);
  // A master being refilled is a replica for a while, and must take no client traffic then.
  const std::string master_ready = m["readinessProbe"]["exec"]["command"][2];
  CHECK(master_ready.find("role:master") != std::string::npos);
  // No probe reaches the other role: every probe talks to 127.0.0.1 only.
  for (const json& c : {m, r}) {
    for (const char* probe : {"livenessProbe", "readinessProbe"}) {
      const std::string cmd = c[probe]["exec"]["command"][2];
      CHECK(cmd.find("-h 127.0.0.1") != std::string::npos);
    }
  }
}

TEST_CASE("OnlyTheOperatorsPasswordDigestIsStampedOnBothPodTemplates") {
  RenderInputs in;
  in.operator_auth_hash = OperatorAuthHash("operator-password");
  CHECK(in.operator_auth_hash.size() == 16);
  CHECK(in.operator_auth_hash.find("operator") == std::string::npos);
  for (const json& w :
       {BuildMasterStatefulSet(DefaultPair(), in), BuildReplicaDeployment(DefaultPair(), in)}) {
    const json& annotations = w["spec"]["template"]["metadata"]["annotations"];
    CHECK(annotations == json{{kOperatorAuthHashAnnotation, in.operator_auth_hash}});
  }
  // Nothing about the clients' password or its Secret's version reaches the templates: a new
  // password is applied at runtime, and a metadata edit of the Secret changes nothing.
  const json plain = BuildMasterStatefulSet(DefaultPair(), {});
  CHECK_FALSE(plain["spec"]["template"]["metadata"].contains("annotations"));
}

TEST_CASE("GeneratedSecretCarriesThePasswordUnderTheConfiguredKey") {
  RedisPair rp = DefaultPair();
  rp.spec.auth_secret_key = "pw";
  const json s = BuildAuthSecret(rp, "hunter2");
  CHECK(s["metadata"]["name"] == "redis-auth");
  CHECK(s["stringData"]["pw"] == "hunter2");
  const json own = BuildOperatorSecret(rp, "op");
  CHECK(own["metadata"]["name"] == "redis-operator-auth");
  CHECK(own["stringData"]["password"] == "op");
  CHECK(own["metadata"]["ownerReferences"][0]["controller"] == true);
}

TEST_CASE("RedisConfigBoundsMemoryFromTheRolesLimit") {
  RedisPair rp = DefaultPair();  // limits.memory 256Mi
  const std::string master = RenderRedisConfig(ConfigParamsFor(rp, RedisRole::kMaster));
  CHECK(master.find("maxmemory 102760448\n") != std::string::npos);  // 98 MiB
  CHECK(master.find("maxmemory-policy noeviction\n") != std::string::npos);
  CHECK(master.find("repl-backlog-size 8388608\n") != std::string::npos);
  CHECK(master.find("client-output-buffer-limit replica 16777216 8388608 60\n") !=
        std::string::npos);
  CHECK(master.find("repl-diskless-load on-empty-db\n") != std::string::npos);
  rp.spec.replica_resources.limits["memory"] = "1Gi";
  rp.spec.maxmemory_policy = "allkeys-lru";
  const std::string replica = RenderRedisConfig(ConfigParamsFor(rp, RedisRole::kReplica));
  CHECK(replica.find("maxmemory 434110464\n") != std::string::npos);  // 414 MiB
  CHECK(replica.find("maxmemory-policy allkeys-lru\n") != std::string::npos);
  rp.spec.maxmemory = "64Mi";
  CHECK(RenderRedisConfig(ConfigParamsFor(rp, RedisRole::kMaster)).find("maxmemory 67108864\n") !=
        std::string::npos);
  rp.spec.master_resources.limits.clear();
  rp.spec.maxmemory.clear();
  CHECK(RenderRedisConfig(ConfigParamsFor(rp, RedisRole::kMaster)).find("maxmemory ") ==
        std::string::npos);
}

}  // namespace redispair
