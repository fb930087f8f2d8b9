#include "controller/reconciler.h"

#include "controller/drift.h"
#include "controller/names.h"
#include "controller/pair_events.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "controller/volume_node.h"
#include "informer/store.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "util/json_fields.h"
#include "util/log.h"
#include "util/password.h"

namespace redispair {
namespace {

using nlohmann::json;

// Every write of the operator is a forced server-side apply under one field manager: the
// operator owns the fields it renders, whoever changed them since.
const kube::ApplyOptions kApplyAsOperator{.field_manager = names::kFieldManager, .force = true};

// Keeps the first error of the steps that must not stop a pass.
void KeepFirst(Status* first, Status s) {
  if (first->ok()) *first = std::move(s);
}

bool IsBeingDeleted(const json& object) {
  return !Field(Field(object, "metadata"), "deletionTimestamp").is_null();
}

bool OwnedBy(const json& object, const RedisPair& rp) {
  const json& refs = Field(Field(object, "metadata"), "ownerReferences");
  if (!refs.is_array()) return false;
  for (const json& ref : refs) {
    if (StringField(ref, "uid") == rp.uid && Field(ref, "controller") == true) return true;
  }
  return false;
}

bool HasController(const json& object) {
  const json& refs = Field(Field(object, "metadata"), "ownerReferences");
  if (!refs.is_array()) return false;
  for (const json& ref : refs) {
    if (Field(ref, "controller") == true) return true;
  }
  return false;
}

std::string CacheKey(const RedisPair& rp, const std::string& name) {
  return rp.namespace_ + "/" + name;
}

}  // namespace

ReconcileResult Reconciler::Reconcile(const std::string& key) {
  // 1. Load the RedisPair. When it is gone or being deleted there is nothing to do: its children
  //    carry controller ownerReferences, so garbage collection removes them, and the operator
  //    keeps no finalizer. A spec that cannot be read will not fix itself by retrying: report it
  //    in status and wait for an edit (retried only when that status write fails).
  const ObjectPtr object = Cache(kRedisPairs).Get(key);
  if (!object || IsBeingDeleted(*object)) return ReconcileResult::Done();
  const StatusOr<RedisPair> parsed = ParseRedisPair(*object);
  if (!parsed.ok()) return ReconcileResult::Retry(ReportInvalidSpec(*object, parsed.status()));
  const RedisPair& rp = *parsed;

  // 2. Ensure auth. The pods read their passwords from the Secrets, so they must exist first; a
  //    Secret the user must fix is reported in status and with an Event, not retried, and the
  //    pods keep the password they have.
  const StatusOr<AuthState> auth = EnsureAuth(rp);
  if (!auth.ok()) return ReconcileResult::Retry(auth.status());
  RecordAll(rp, AuthEvents(rp, *auth));

  // 3. Compute the desired children, purely from the spec and two facts: a digest of the
  //    operator's password (only a new one restarts the pods; the clients' password changes at
  //    runtime, step 8) and the node the master's volume pins it to (the replica must keep off
  //    it even while the master pod is gone).
  const std::optional<std::string> volume_node = MasterVolumeNode(rp);
  RenderInputs inputs;
  if (!auth->operator_password.empty()) {
    inputs.operator_auth_hash = OperatorAuthHash(auth->operator_password);
  }
  if (volume_node) {
    inputs.replica_avoid_nodes.push_back(*volume_node);
  } else if (ObjectPtr live =
                 Cache(kube::kDeployments).Get(CacheKey(rp, names::ReplicaDeployment(rp)))) {
    // The claim is gone or not bound yet (a lost volume): keep what the replica avoids, so that
    // its template, and the only other copy of the data, stay as they are (volume_node.h).
    inputs.replica_avoid_nodes = AvoidedNodes(*live);
  }
  const std::vector<ChildObject> children = DesiredChildren(rp, inputs);

  // 4. Apply the children that differ from the cache. Only an API server that is away stops the
  //    pass (status could not be written either); a refused child must not stop the others.
  Status refused;
  if (Status s = ApplyChildren(rp, children, &refused); !s.ok()) return ReconcileResult::Retry(s);

  // 5. Delete the children the spec turned off (the INFO CronJob).
  KeepFirst(&refused, DeleteDisabledChildren(rp));

  // 6. Observe the pods of both roles, with what went wrong so far, for the status.
  Observation observed = ObservePods(rp);
  observed.auth_error = auth->error;
  observed.auth_error_reason = auth->error_reason;
  observed.apply_error = refused.message();

  // 7. Probe replication with INFO: its health changes without any API event.
  ProbeReplication(rp, auth->operator_password, &observed);

  // 8. Keep the data safe: finish a refill of the master from the replica, judge the master's
  //    data against the recorded evidence, and apply a changed clients' password at runtime.
  SecureData(rp, *auth, &observed);

  // 9. Break the placement deadlock: the replica on the node that the unschedulable master's
  //    volume pins it to. Anti-affinity alone cannot prevent that (volume_node.h).
  if (volume_node) KeepFirst(&refused, BreakPlacementDeadlock(rp, observed.master, *volume_node));

  // 10. Compute the status from the observation, and write it only when it changed: a steady
  //     state makes no API writes.
  json status = ComputeStatus(rp, observed);
  const bool ready = IsConditionTrue(status, kCondReady);
  const bool refilling = StringField(observed.data_condition, "reason") == kReasonRefilling;
  if (Status s = WriteStatusIfChanged(rp, std::move(status)); !s.ok()) {
    return ReconcileResult::Retry(s);
  }

  // 11. Requeue: a refused write is retried with backoff. Otherwise look again later, because
  //     replication health changes without any API event; sooner while the pair is not ready,
  //     and every second while its master is refilled.
  if (!refused.ok()) return ReconcileResult::Retry(refused);
  if (refilling) return ReconcileResult::After(kRefillResync);
  return ReconcileResult::After(ready ? kHealthyResync : kUnhealthyResync);
}

Status Reconciler::ReportInvalidSpec(const json& object, const Status& error) {
  const json& meta = Field(object, "metadata");
  RedisPair stub;
  stub.name = StringField(meta, "name");
  stub.namespace_ = StringField(meta, "namespace");
  if (const json& status = Field(object, "status"); status.is_object()) stub.status = status;
  const json& generation = Field(meta, "generation");
  return WriteStatusIfChanged(
      stub, InvalidSpecStatus(generation.is_number_integer() ? generation.get<int64_t>() : 0,
                              error.message()));
}

StatusOr<AuthState> Reconciler::EnsureAuth(const RedisPair& rp) {
  AuthState auth;
  if (!rp.spec.auth_enabled) return auth;
  StatusOr<json> own = EnsureOwnSecret(rp, names::OperatorSecret(rp), /*operator_secret=*/true);
  if (!own.ok()) return own.status();
  std::optional<std::string> op = OperatorPasswordFromSecret(*own);
  if (!op) {
    // Only the operator writes this Secret; an unusable one was edited by hand. The pods could
    // not start with it either, so say so rather than guess.
    auth.error = "Secret " + rp.namespace_ + "/" + names::OperatorSecret(rp) +
                 " holds no usable key \"" + names::kOperatorSecretKey +
                 "\": delete it, and the operator makes it again";
    auth.error_reason = kReasonAuthSecretInvalid;
    return auth;
  }
  auth.operator_password = std::move(*op);
  {
    std::lock_guard<std::mutex> lock(operator_passwords_mu_);
    operator_passwords_[KeyOf(rp)] = auth.operator_password;
  }
  if (!rp.spec.auth_secret_name.empty()) {
    if (Status s = ReadUserSecret(rp, &auth); !s.ok()) return s;
    return auth;
  }
  StatusOr<json> secret = EnsureOwnSecret(rp, names::GeneratedSecret(rp), false);
  if (!secret.ok()) return secret.status();
  ReadClientPassword(rp, *secret, &auth);
  return auth;
}

Status Reconciler::ReadUserSecret(const RedisPair& rp, AuthState* auth) {
  // Not cached: the informer sees only the operator's own Secrets.
  StatusOr<json> secret = deps_.client->Get(kube::kSecrets, rp.namespace_, names::AuthSecret(rp));
  if (secret.status().IsNotFound()) {
    SetMissingSecret(rp, auth);
    return Status::Ok();
  }
  if (!secret.ok()) return secret.status();
  ReadClientPassword(rp, *secret, auth);
  return Status::Ok();
}

StatusOr<json> Reconciler::EnsureOwnSecret(const RedisPair& rp, const std::string& name,
                                           bool operator_secret) {
  if (ObjectPtr cached = Cache(kube::kSecrets).Get(CacheKey(rp, name))) {
    if (!HasController(*cached)) {
      // Kept by scripts/98-redis-down.sh together with the data (render.h): take it back, so
      // that it goes with this RedisPair when the volume does.
      Status s =
          deps_.client->Apply(kube::kSecrets, BuildSecretAdoption(rp, name), kApplyAsOperator)
              .status();
      CountWrite("secret");
      if (!s.ok()) return s;
      LogInfo("adopted kept secret", {{"redispair", KeyOf(rp)}, {"secret", name}});
    }
    return *cached;
  }
  // Created once and never re-applied, so that the password is not regenerated. The operator's
  // own password is made again with the value last read, when the operator knows it: the pods
  // were started with it.
  std::string password;
  if (operator_secret) {
    std::lock_guard<std::mutex> lock(operator_passwords_mu_);
    if (auto it = operator_passwords_.find(KeyOf(rp)); it != operator_passwords_.end()) {
      password = it->second;
    }
  }
  if (password.empty()) {
    StatusOr<std::string> generated = GeneratePassword();
    if (!generated.ok()) return generated.status();
    password = std::move(generated).value();
  }
  const json object =
      operator_secret ? BuildOperatorSecret(rp, password) : BuildAuthSecret(rp, password);
  StatusOr<json> created = deps_.client->Create(kube::kSecrets, object);
  CountWrite("secret");
  if (created.status().code() == Status::Code::kAlreadyExists) {
    // Created by an earlier pass whose event has not reached the cache yet: read that one.
    return deps_.client->Get(kube::kSecrets, rp.namespace_, name);
  }
  if (created.ok()) LogInfo("created auth secret", {{"redispair", KeyOf(rp)}, {"secret", name}});
  return created;
}

std::optional<std::string> Reconciler::MasterVolumeNode(const RedisPair& rp) {
  ObjectPtr claim = Cache(kube::kPersistentVolumeClaims).Get(CacheKey(rp, names::MasterPvc(rp)));
  if (!claim) return std::nullopt;
  if (std::optional<std::string> node = NodeFromClaim(*claim)) return node;
  const std::string volume = StringField(Field(*claim, "spec"), "volumeName");
  if (volume.empty()) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(pv_mu_);
    auto it = pv_nodes_.find(volume);
    if (it != pv_nodes_.end()) return it->second;
  }
  StatusOr<json> pv = deps_.client->Get(kube::kPersistentVolumes, "", volume);
  if (!pv.ok()) {
    // Without read access to PVs (the ClusterRole in deploy/operator/rbac.yaml) the operator
    // still works; it only loses the deadlock prevention. Not an error worth a retry.
    LogDebug("cannot read the master's PersistentVolume",
             {{"volume", volume}, {"error", pv.status().ToString()}});
    return std::nullopt;
  }
  std::optional<std::string> node = NodeFromVolume(*pv);
  if (node) {
    std::lock_guard<std::mutex> lock(pv_mu_);
    pv_nodes_[volume] = *node;
  }
  return node;
}

Status Reconciler::ApplyChildren(const RedisPair& rp, const std::vector<ChildObject>& children,
                                 Status* refused) {
  int applied = 0;
  for (const ChildObject& child : children) {
    StatusOr<bool> wrote = ApplyIfChanged(rp, child);
    if (wrote.ok()) {
      applied += *wrote ? 1 : 0;
    } else if (wrote.status().code() == Status::Code::kUnavailable ||
               wrote.status().IsCancelled()) {
      return wrote.status();
    } else {
      KeepFirst(refused, wrote.status());
    }
  }
  if (applied > 0) LogInfo("applied children", {{"redispair", KeyOf(rp)}, {"count", applied}});
  return Status::Ok();
}

StatusOr<bool> Reconciler::ApplyIfChanged(const RedisPair& rp, const ChildObject& child) {
  ObjectPtr live = Cache(child.resource).Get(CacheKey(rp, child.name));
  std::string where;
  if (live && ContainsDesired(child.object, *live, &where)) return false;
  if (live) {
    LogInfo(
        "child drifted; applying",
        {{"object", kube::Describe(child.resource, rp.namespace_, child.name)}, {"field", where}});
  }
  Status s = deps_.client->Apply(child.resource, child.object, kApplyAsOperator).status();
  CountWrite(StringField(child.object, "kind"));
  if (!s.ok()) return s;
  return true;
}

Status Reconciler::DeleteDisabledChildren(const RedisPair& rp) {
  if (rp.spec.info_job_enabled) return Status::Ok();
  return DeleteOwnedChild(rp, kube::kCronJobs, names::InfoCronJob(rp));
}

Status Reconciler::DeleteOwnedChild(const RedisPair& rp, const kube::Resource& resource,
                                    const std::string& name) {
  // Only the operator's own child: an object of that name that someone else made stays.
  ObjectPtr live = Cache(resource).Get(CacheKey(rp, name));
  if (!live || !OwnedBy(*live, rp)) return Status::Ok();
  // Background: the CronJob's Jobs and pods go with it, without the call waiting for them.
  Status s = kube::IgnoreNotFound(
      deps_.client->Delete(resource, rp.namespace_, name, {.propagation_policy = "Background"}));
  CountWrite("delete");
  if (!s.ok()) return s;
  LogInfo("deleted child",
          {{"redispair", KeyOf(rp)}, {"object", kube::Describe(resource, rp.namespace_, name)}});
  return Status::Ok();
}

Observation Reconciler::ObservePods(const RedisPair& rp) const {
  Observation observed;
  observed.master_node_port = rp.spec.master_node_port;
  observed.replica_node_port = rp.spec.replica_node_port;
  observed.master = PickRolePod(PodsOf(rp, names::kRoleMaster));
  observed.replica = PickRolePod(PodsOf(rp, names::kRoleReplica));
  return observed;
}

std::vector<json> Reconciler::PodsOf(const RedisPair& rp, const std::string& component) const {
  std::vector<json> out;
  for (const ObjectPtr& pod : Cache(kube::kPods).List()) {
    const json& meta = Field(*pod, "metadata");
    const json& labels = Field(meta, "labels");
    if (StringField(meta, "namespace") == rp.namespace_ &&
        StringField(labels, names::kLabelInstance) == rp.name &&
        StringField(labels, names::kLabelComponent) == component) {
      out.push_back(*pod);
    }
  }
  return out;
}

void Reconciler::ProbeReplication(const RedisPair& rp, const std::string& password,
                                  Observation* observed) {
  // Each pod is probed once it has an IP; status says "not probed" until both were. The data
  // step needs the master's answer even when the replica pod is gone.
  if (deps_.prober == nullptr) return;
  ReplicationObservation& r = observed->replication;
  auto probe = [&](const PodObservation& pod, const char* role,
                   std::optional<ReplicationInfo>* info, std::string* error) {
    if (pod.pod_ip.empty()) return;
    StatusOr<ReplicationInfo> got = deps_.prober->Probe(pod.pod_ip, names::kRedisPort, password);
    if (got.ok()) {
      *info = *got;
    } else {
      *error = std::string(role) + ": " + got.status().message();
    }
  };
  probe(observed->master, names::kRoleMaster, &r.master, &r.master_error);
  probe(observed->replica, names::kRoleReplica, &r.replica, &r.replica_error);
  // The replication condition speaks of the pair: without a replica pod it is "not probed" yet,
  // whatever the master said.
  if (observed->replica.pod_ip.empty()) r.master_error.clear();
  RecordLag(rp, r);
}

void Reconciler::RecordLag(const RedisPair& rp, const ReplicationObservation& r) {
  // Exact bytes are for graphs; status keeps only whole KiB so that it does not churn.
  if (deps_.metrics == nullptr || !r.master || !r.master->slave0_offset) return;
  deps_.metrics->Set("redispair_replication_lag_bytes", {{"redispair", KeyOf(rp)}},
                     static_cast<double>(r.master->master_repl_offset - *r.master->slave0_offset));
}

void Reconciler::SecureData(const RedisPair& rp, const AuthState& auth, Observation* observed) {
  DataSafetyInputs in;
  in.observed = observed;
  in.auth = &auth;
  in.now = deps_.now_rfc3339();
  for (const json& pod : PodsOf(rp, names::kRoleReplica)) {
    const PodObservation replica = ObservePod(pod);
    if (!replica.pod_ip.empty()) in.replica_pod_ips.push_back(replica.pod_ip);
  }
  if (ObjectPtr claim =
          Cache(kube::kPersistentVolumeClaims).Get(CacheKey(rp, names::MasterPvc(rp)))) {
    in.master_claim_uid = StringField(Field(*claim, "metadata"), "uid");
  }
  const DataSafetyResult result = redispair::SecureData(deps_.prober, rp, in);
  RecordAll(rp, result.events);
  if (!result.error.ok()) {
    // Handled here: the next pass (soon, the pair is not ready) decides again from what it sees.
    LogWarn("a command to redis failed; will decide again",
            {{"redispair", KeyOf(rp)}, {"error", result.error.ToString()}});
  }
  if (const auto& c = result.judgement.condition) {
    observed->data_condition = {
        {"status", c->status}, {"reason", c->reason}, {"message", c->message}};
  } else if (const json* stored = FindCondition(rp.status, kCondMasterDataLost)) {
    observed->data_condition = {{"status", StringField(*stored, "status")},
                                {"reason", StringField(*stored, "reason")},
                                {"message", StringField(*stored, "message")}};
  }
  if (result.judgement.evidence) {
    observed->data_evidence = EvidenceToJson(*result.judgement.evidence);
  } else if (std::optional<DataEvidence> stored = EvidenceFromStatus(rp.status)) {
    observed->data_evidence = EvidenceToJson(*stored);
  }
}

void Reconciler::RecordAll(const RedisPair& rp, const std::vector<events::Event>& events) {
  for (const events::Event& e : events) {
    LogInfo("event", {{"redispair", KeyOf(rp)},
                      {"type", e.type == events::Type::kWarning ? "Warning" : "Normal"},
                      {"reason", e.reason},
                      {"note", e.note}});
    Record(rp, e);
  }
}

Status Reconciler::BreakPlacementDeadlock(const RedisPair& rp, const PodObservation& master,
                                          const std::string& volume_node) {
  // Only a master that the scheduler cannot place; a Pending master that is merely pulling its
  // image or waiting for its volume is left alone.
  if (!master.exists || !master.node.empty() || master.waiting_reason != "Unschedulable") {
    return Status::Ok();
  }
  for (const json& pod : PodsOf(rp, names::kRoleReplica)) {
    const PodObservation replica = ObservePod(pod);
    if (replica.terminating || replica.node != volume_node) continue;
    // The replica holds no state, and its Deployment already keeps new pods off this node.
    Status s =
        kube::IgnoreNotFound(deps_.client->Delete(kube::kPods, rp.namespace_, replica.name, {}));
    CountWrite("pod");
    if (!s.ok()) return s;
    LogInfo("moved the replica off the master's volume node (placement deadlock)",
            {{"redispair", KeyOf(rp)}, {"pod", replica.name}, {"node", volume_node}});
  }
  return Status::Ok();
}

Status Reconciler::WriteStatusIfChanged(const RedisPair& rp, json status) {
  StampTransitionTimes(rp.status, deps_.now_rfc3339(), &status);
  if (status == rp.status) return Status::Ok();
  const json patch = {{"apiVersion", kApiVersion},
                      {"kind", kKind},
                      {"metadata", {{"name", rp.name}, {"namespace", rp.namespace_}}},
                      {"status", status}};
  Status s = deps_.client->ApplyStatus(kRedisPairs, patch, kApplyAsOperator).status();
  CountWrite("status");
  // Deleted meanwhile: nothing is left to report on.
  return kube::IgnoreNotFound(s);
}

const ObjectCache& Reconciler::Cache(const kube::Resource& resource) const {
  static const Store kEmpty;
  const auto it = deps_.caches.find(resource);
  return it == deps_.caches.end() || it->second == nullptr ? kEmpty : *it->second;
}

void Reconciler::Record(const RedisPair& rp, const events::Event& event) {
  if (deps_.recorder != nullptr) deps_.recorder->Record(EventRef(rp), event);
}

void Reconciler::CountWrite(const std::string& what) {
  if (deps_.metrics) deps_.metrics->Inc("redispair_reconcile_writes_total", {{"what", what}});
}

}  // namespace redispair
