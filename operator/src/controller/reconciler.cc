#include "controller/reconciler.h"

#include <fstream>

#include "controller/drift.h"
#include "controller/names.h"
#include "controller/observation.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "controller/volume_node.h"
#include "informer/informer.h"
#include "kube/api_client.h"
#include "kube/api_error.h"
#include "kube/base64.h"
#include "metrics/metrics.h"
#include "util/log.h"

namespace redispair {
namespace {

using nlohmann::json;

constexpr const char* kApplyContentType = "application/apply-patch+yaml";

std::string ApplyQuery() {
  return std::string("?fieldManager=") + names::kFieldManager + "&force=true";
}

bool OwnedBy(const json& object, const RedisPair& rp) {
  const json& meta = object.value("metadata", json::object());
  for (const json& ref : meta.value("ownerReferences", json::array())) {
    if (ref.value("uid", "") == rp.uid && ref.value("controller", false)) return true;
  }
  return false;
}

std::vector<json> PodsOf(Informer* pods, const RedisPair& rp, const std::string& component) {
  std::vector<json> out;
  for (const ObjectPtr& p : pods->List()) {
    const json& meta = p->value("metadata", json::object());
    if (meta.value("namespace", "") != rp.namespace_) continue;
    const json& labels = meta.value("labels", json::object());
    if (labels.value("app.kubernetes.io/instance", "") == rp.name &&
        labels.value("app.kubernetes.io/component", "") == component) {
      out.push_back(*p);
    }
  }
  return out;
}

}  // namespace

StatusOr<std::string> GeneratePassword() {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom) return Status::Internal("cannot open /dev/urandom");
  std::string out;
  while (out.size() < 32) {
    unsigned char b = 0;
    if (!urandom.read(reinterpret_cast<char*>(&b), 1)) {
      return Status::Internal("read /dev/urandom failed");
    }
    if (b >= 248) continue;  // 248 = 4 * 62: reject to keep the distribution uniform
    out += kChars[b % 62];
  }
  return out;
}

void Reconciler::CountWrite(const char* what) {
  if (deps_.metrics) deps_.metrics->Inc("redispair_reconcile_writes_total", {{"what", what}});
}

Informer* Reconciler::CacheFor(const std::string& api_path) const {
  const std::string plural = api_path.substr(api_path.rfind('/') + 1);
  if (plural == "statefulsets") return deps_.statefulsets;
  if (plural == "deployments") return deps_.deployments;
  if (plural == "services") return deps_.services;
  if (plural == "cronjobs") return deps_.cronjobs;
  return nullptr;
}

std::optional<std::string> Reconciler::MasterVolumeNode(const RedisPair& rp) {
  if (!deps_.claims) return std::nullopt;
  ObjectPtr claim = deps_.claims->Get(rp.namespace_ + "/" + names::MasterPvc(rp));
  if (!claim) return std::nullopt;
  if (auto node = NodeFromClaim(*claim)) return node;
  const std::string volume = claim->value("spec", json::object()).value("volumeName", "");
  if (volume.empty()) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(pv_mu_);
    auto it = pv_nodes_.find(volume);
    if (it != pv_nodes_.end()) return it->second;
  }
  auto resp = deps_.client->Request("GET", "/api/v1/persistentvolumes/" + volume);
  if (!resp.ok() || resp->status != 200) {
    // Without read access to PVs (the ClusterRole in deploy/operator/rbac.yaml) the operator
    // still works; it only loses the deadlock prevention. Not an error worth a retry.
    LogDebug("cannot read the master's PersistentVolume",
             {{"volume", volume}, {"status", resp.ok() ? resp->status : 0}});
    return std::nullopt;
  }
  auto node = NodeFromVolume(json::parse(resp->body, nullptr, false));
  if (node) {
    std::lock_guard<std::mutex> lock(pv_mu_);
    pv_nodes_[volume] = *node;
  }
  return node;
}

Status Reconciler::BreakPlacementDeadlock(const RedisPair& rp, const PodObservation& master,
                                          const std::string& volume_node) {
  // Only a master that the scheduler cannot place; a Pending master that is merely pulling its
  // image or waiting for its volume is left alone.
  if (!master.exists || !master.node.empty() || master.waiting_reason != "Unschedulable") {
    return Status::Ok();
  }
  for (const json& pod : PodsOf(deps_.pods, rp, names::kRoleReplica)) {
    const PodObservation replica = ObservePod(pod);
    if (replica.terminating || replica.node != volume_node) continue;
    // The replica holds no state, and its Deployment already keeps new pods off this node.
    auto resp = deps_.client->Request(
        "DELETE", "/api/v1/namespaces/" + rp.namespace_ + "/pods/" + replica.name, "", {});
    if (!resp.ok()) return resp.status().WithContext("delete replica pod " + replica.name);
    CountWrite("pod");
    if (resp->status != 200 && resp->status != 202 && resp->status != 404) {
      return kube::StatusFromResponse(*resp, "delete replica pod " + replica.name);
    }
    LogInfo("moved the replica off the master's volume node (placement deadlock)",
            {{"redispair", KeyOf(rp)}, {"pod", replica.name}, {"node", volume_node}});
  }
  return Status::Ok();
}

StatusOr<Reconciler::AuthState> Reconciler::EnsureAuth(const RedisPair& rp) {
  AuthState auth;
  if (!rp.spec.auth_enabled) return auth;
  const std::string name = names::AuthSecret(rp);
  const std::string path = "/api/v1/namespaces/" + rp.namespace_ + "/secrets";
  json secret;
  if (rp.spec.auth_secret_name.empty()) {
    ObjectPtr cached = deps_.secrets->Get(rp.namespace_ + "/" + name);
    if (cached) {
      secret = *cached;
    } else {
      auto password = GeneratePassword();
      if (!password.ok()) return password.status();
      auto resp = deps_.client->Request("POST", path, BuildAuthSecret(rp, *password).dump(),
                                        {.content_type = "application/json"});
      if (!resp.ok()) return resp.status().WithContext("create Secret " + name);
      CountWrite("secret");
      if (resp->status == 409) {
        // Created by an earlier pass whose event has not reached the cache yet: read it.
        resp = deps_.client->Request("GET", path + "/" + name);
        if (!resp.ok()) return resp.status().WithContext("get Secret " + name);
      }
      if (resp->status != 200 && resp->status != 201) {
        return kube::StatusFromResponse(*resp, "create Secret " + name);
      }
      secret = json::parse(resp->body, nullptr, false);
      LogInfo("created auth secret", {{"redispair", KeyOf(rp)}, {"secret", name}});
    }
  } else {
    auto resp = deps_.client->Request("GET", path + "/" + name);
    if (!resp.ok()) return resp.status().WithContext("get Secret " + name);
    if (resp->status == 404) {
      auth.error = "Secret " + rp.namespace_ + "/" + name +
                   " (spec.auth.secretName) not found: create it with key \"" +
                   rp.spec.auth_secret_key +
                   "\", or remove spec.auth.secretName to have one generated";
      return auth;
    }
    if (resp->status != 200) return kube::StatusFromResponse(*resp, "get Secret " + name);
    secret = json::parse(resp->body, nullptr, false);
  }
  const json data = secret.value("data", json::object());
  if (!data.contains(rp.spec.auth_secret_key) || !data[rp.spec.auth_secret_key].is_string()) {
    auth.error = "Secret " + rp.namespace_ + "/" + name + " has no key \"" +
                 rp.spec.auth_secret_key + "\" (spec.auth.secretKey)";
    return auth;
  }
  auto password = kube::Base64Decode(data[rp.spec.auth_secret_key].get<std::string>());
  if (!password) {
    auth.error = "Secret " + rp.namespace_ + "/" + name + " key \"" + rp.spec.auth_secret_key +
                 "\" is not valid base64";
    return auth;
  }
  auth.password = std::move(*password);
  auth.secret_version = secret["metadata"].value("resourceVersion", "");
  return auth;
}

StatusOr<bool> Reconciler::ApplyIfChanged(const ChildObject& child, Informer* cache) {
  const std::string ns = child.object["metadata"].value("namespace", "");
  ObjectPtr live = cache ? cache->Get(ns + "/" + child.name) : nullptr;
  std::string where;
  if (live && ContainsDesired(child.object, *live, &where)) return false;
  if (live) {
    LogInfo("child drifted; applying",
            {{"object", child.api_path + "/" + child.name}, {"field", where}});
  }
  auto resp = deps_.client->Request("PATCH", child.api_path + "/" + child.name + ApplyQuery(),
                                    child.object.dump(), {.content_type = kApplyContentType});
  if (!resp.ok()) return resp.status().WithContext("apply " + child.name);
  CountWrite(child.object.value("kind", "object").c_str());
  if (resp->status != 200 && resp->status != 201) {
    return kube::StatusFromResponse(*resp,
                                    "apply " + child.object.value("kind", "") + " " + child.name);
  }
  return true;
}

Status Reconciler::DeleteIfPresent(const std::string& api_path, const std::string& name,
                                   Informer* cache, const RedisPair& rp) {
  ObjectPtr live = cache->Get(rp.namespace_ + "/" + name);
  if (!live || !OwnedBy(*live, rp)) return Status::Ok();
  auto resp = deps_.client->Request("DELETE", api_path + "/" + name,
                                    R"({"propagationPolicy":"Background"})",
                                    {.content_type = "application/json"});
  if (!resp.ok()) return resp.status().WithContext("delete " + name);
  CountWrite("delete");
  if (resp->status != 200 && resp->status != 202 && resp->status != 404) {
    return kube::StatusFromResponse(*resp, "delete " + name);
  }
  LogInfo("deleted child", {{"redispair", KeyOf(rp)}, {"object", api_path + "/" + name}});
  return Status::Ok();
}

Status Reconciler::WriteStatusIfChanged(const RedisPair& rp, json status) {
  StampTransitionTimes(rp.status, deps_.now_rfc3339(), &status);
  if (status == rp.status) return Status::Ok();
  const json patch = {{"apiVersion", kApiVersion},
                      {"kind", kKind},
                      {"metadata", {{"name", rp.name}, {"namespace", rp.namespace_}}},
                      {"status", status}};
  const std::string target = std::string("/apis/") + kGroup + "/" + kVersion + "/namespaces/" +
                             rp.namespace_ + "/redispairs/" + rp.name + "/status" + ApplyQuery();
  auto resp =
      deps_.client->Request("PATCH", target, patch.dump(), {.content_type = kApplyContentType});
  if (!resp.ok()) return resp.status().WithContext("update status");
  CountWrite("status");
  if (resp->status == 404) return Status::Ok();  // deleted meanwhile; nothing left to report on
  if (resp->status != 200) return kube::StatusFromResponse(*resp, "update status");
  return Status::Ok();
}

ReconcileResult Reconciler::Reconcile(const std::string& key) {
  ObjectPtr object = deps_.redispairs->Get(key);
  // Deleted: ownerReferences let the garbage collector remove the children.
  if (!object) return {};
  if (object->contains("metadata") && (*object)["metadata"].contains("deletionTimestamp")) {
    return {};  // being deleted; the operator keeps no finalizer, so there is nothing to do
  }
  auto parsed = ParseRedisPair(*object);
  if (!parsed.ok()) {
    // A spec that cannot be read will not fix itself by retrying; report it and wait for an edit.
    const int64_t generation = (*object)["metadata"].value("generation", int64_t{0});
    RedisPair stub;
    stub.name = (*object)["metadata"].value("name", "");
    stub.namespace_ = (*object)["metadata"].value("namespace", "");
    if (object->contains("status")) stub.status = (*object)["status"];
    return {WriteStatusIfChanged(stub, InvalidSpecStatus(generation, parsed.status().message()))};
  }
  const RedisPair& rp = *parsed;

  auto auth = EnsureAuth(rp);
  if (!auth.ok()) return {auth.status()};

  RenderInputs inputs;
  inputs.auth_secret_version = auth->secret_version;
  const std::optional<std::string> volume_node = MasterVolumeNode(rp);
  if (volume_node) inputs.replica_avoid_nodes.push_back(*volume_node);
  int applied = 0;
  // Children are independent: one refused apply (say, an immutable StatefulSet field) must not
  // stop the others. The first error is reported in status and returned for a backoff retry.
  Status apply_error;
  for (const ChildObject& child : DesiredChildren(rp, inputs)) {
    auto wrote = ApplyIfChanged(child, CacheFor(child.api_path));
    if (!wrote.ok()) {
      if (wrote.status().code() == Status::Code::kUnavailable || wrote.status().IsCancelled()) {
        return {wrote.status()};  // the API server is away; status could not be written either
      }
      if (apply_error.ok()) apply_error = wrote.status();
      continue;
    }
    applied += *wrote ? 1 : 0;
  }
  if (!rp.spec.info_job_enabled) {
    Status s = DeleteIfPresent("/apis/batch/v1/namespaces/" + rp.namespace_ + "/cronjobs",
                               names::InfoCronJob(rp), deps_.cronjobs, rp);
    if (!s.ok() && apply_error.ok()) apply_error = s;
  }
  if (applied > 0) LogInfo("applied children", {{"redispair", key}, {"count", applied}});

  Observation observed;
  observed.auth_error = auth->error;
  observed.apply_error = apply_error.message();
  observed.master_node_port = rp.spec.master_node_port;
  observed.replica_node_port = rp.spec.replica_node_port;
  observed.master = PickRolePod(PodsOf(deps_.pods, rp, names::kRoleMaster));
  observed.replica = PickRolePod(PodsOf(deps_.pods, rp, names::kRoleReplica));
  if (!observed.master.pod_ip.empty() && !observed.replica.pod_ip.empty() && deps_.prober) {
    auto m = deps_.prober->Probe(observed.master.pod_ip, names::kRedisPort, auth->password);
    if (m.ok()) {
      observed.replication.master = *m;
    } else {
      observed.replication.master_error = "master: " + m.status().message();
    }
    auto r = deps_.prober->Probe(observed.replica.pod_ip, names::kRedisPort, auth->password);
    if (r.ok()) {
      observed.replication.replica = *r;
    } else {
      observed.replication.replica_error = "replica: " + r.status().message();
    }
    if (deps_.metrics && observed.replication.master &&
        observed.replication.master->slave0_offset) {
      deps_.metrics->Set("redispair_replication_lag_bytes", {{"redispair", key}},
                         static_cast<double>(observed.replication.master->master_repl_offset -
                                             *observed.replication.master->slave0_offset));
    }
  }

  if (volume_node) {
    Status s = BreakPlacementDeadlock(rp, observed.master, *volume_node);
    if (!s.ok() && apply_error.ok()) apply_error = s;
  }

  json status = ComputeStatus(rp, observed);
  const bool ready = status["conditions"][0].value("status", "") == "True";
  Status s = WriteStatusIfChanged(rp, std::move(status));
  if (!s.ok()) return {s};
  if (!apply_error.ok()) return {apply_error};
  return {Status::Ok(),
          ready ? std::chrono::duration_cast<std::chrono::milliseconds>(kHealthyResync)
                : std::chrono::duration_cast<std::chrono::milliseconds>(kUnhealthyResync)};
}

}  // namespace redispair
