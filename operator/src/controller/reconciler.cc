#include "controller/reconciler.h"

#include "controller/concurrently.h"
#include "controller/drift.h"
#include "controller/names.h"
#include "controller/ownership.h"
#include "controller/pair_events.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "controller/status_events.h"
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

// Status is written by server-side apply under the operator's field manager.
const kube::ApplyOptions kApplyAsOperator{.field_manager = names::kFieldManager, .force = true};

// Keeps the first problem of the steps that must not stop a pass.
void KeepFirst(std::string* first, const std::string& message) {
  if (first->empty()) *first = message;
}

bool IsBeingDeleted(const json& object) {
  return !Field(Field(object, "metadata"), "deletionTimestamp").is_null();
}

// True when `object` has a controller ownerReference, whoever it names.
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

// Children whose pods read the auth Secret: with a Secret that cannot be used they are left as
// they are, so that no pod is handed a Secret that did not consent (or does not work).
bool ReadsAuthSecret(const ChildObject& child) {
  return child.resource == kube::kStatefulSets || child.resource == kube::kDeployments ||
         child.resource == kube::kCronJobs;
}

// True when `cache` holds `child` as desired, the pair's own and not drifted: ChildApplier::Apply
// would make no call for it.
bool CachedAsDesired(const ObjectCache& cache, const RedisPair& rp, const ChildObject& child) {
  const ObjectPtr live = cache.Get(CacheKey(rp, child.name));
  return live && IsControlledBy(*live, rp) && ContainsDesired(child.object, *live);
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

Reconciler::Reconciler(ReconcilerDeps deps)
    : deps_(std::move(deps)),
      applier_({.client = deps_.client,
                .cache = [this](const kube::Resource& r) -> const ObjectCache& { return Cache(r); },
                .metrics = deps_.metrics,
                .now = deps_.now_steady ? deps_.now_steady
                                        : [] { return ApplyBackoff::Clock::now(); }}) {}

ReconcileResult Reconciler::Reconcile(const std::string& key) {
  // 1. Load the RedisPair. When it is gone or being deleted there is nothing to do: its children
  //    carry controller ownerReferences, so garbage collection removes them, and the operator
  //    keeps no finalizer. A spec that cannot be read will not fix itself by retrying: report it
  //    in status and wait for an edit (retried only when that status write fails).
  const ObjectPtr object = Cache(kRedisPairs).Get(key);
  if (!object || IsBeingDeleted(*object)) {
    status_memory_.Forget(key);
    return ReconcileResult::Done();
  }
  const StatusOr<RedisPair> parsed = ParseRedisPair(*object);
  if (!parsed.ok()) return ReconcileResult::Retry(ReportInvalidSpec(*object, parsed.status()));
  const RedisPair& rp = *parsed;
  const std::string cached_version = ResourceVersionOf(*object);

  // 2. Ensure auth. The pods read their passwords from the Secrets, so they must exist first; a
  //    Secret the user must fix is reported in status and with an Event, not retried, and the
  //    pods keep the password they have.
  ChildrenReport report;
  const StatusOr<AuthState> auth = EnsureAuth(rp, &report);
  if (!auth.ok()) return ReconcileResult::Retry(auth.status());
  RecordAll(rp, AuthEvents(rp, *auth));

  // 3. Compute the desired children, purely from the spec and two facts: a digest of the
  //    operator's password (only a new one restarts the pods; the clients' password changes at
  //    runtime, step 8) and the node the master's volume pins it to (the replica must keep off
  //    it even while the master pod is gone).
  const std::optional<std::string> volume_node = MasterVolumeNode(rp);
  RenderInputs inputs;
  inputs.importer_image = deps_.importer_image;
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
  std::vector<ChildObject> children = DesiredChildren(rp, inputs);
  if (!auth->error.empty()) std::erase_if(children, ReadsAuthSecret);

  // 4. Apply the children that differ from the cache, over the pair's own objects only. Only an
  //    API server that is away stops the pass (status could not be written either); a refused or
  //    conflicting child must not stop the others.
  if (Status s = ApplyChildren(rp, children, &report); !s.ok()) return ReconcileResult::Retry(s);
  RecordChildEvents(rp, report);

  // 5. Delete the children the spec turned off (the INFO CronJob).
  if (Status s = DeleteDisabledChildren(rp); !s.ok()) {
    if (StopsThePass(s)) return ReconcileResult::Retry(s);
    KeepFirst(&report.refused, s.message());
  }

  // 6. Observe the pods of both roles, with what went wrong so far, for the status.
  const PairPods pods = PodsOf(rp);
  Observation observed = ObservePods(rp, pods);
  observed.auth_error = auth->error;
  observed.auth_reason = auth->error_reason;
  observed.child_conflict = report.conflict;
  observed.node_port_conflict = report.node_port_conflict;
  observed.apply_error = report.refused;

  // 7. Probe replication with INFO: its health changes without any API event.
  ProbeReplication(rp, auth->operator_password, &observed);

  // 8. Keep the data safe: finish a refill of the master from the replica, judge the master's
  //    data against the recorded evidence, and apply a changed clients' password at runtime.
  SecureData(rp, *auth, pods.replicas, &observed);

  // 9. Break the placement deadlock: the replica on the node that the unschedulable master's
  //    volume pins it to. Anti-affinity alone cannot prevent that (volume_node.h).
  if (volume_node) {
    if (Status s = BreakPlacementDeadlock(rp, observed.master, pods.replicas, *volume_node);
        !s.ok()) {
      if (StopsThePass(s)) return ReconcileResult::Retry(s);
      LogWarn("cannot move the replica off the master's volume node",
              {{"redispair", key}, {"error", s.ToString()}});
    }
  }

  // 10. Compute the status from the observation, and write it only when it changed: a steady
  //     state makes no API writes, and status holds nothing that changes with every probe
  //     (status.data is refreshed rarely: data_evidence.h).
  json status = ComputeStatus(rp, observed);
  const bool ready = IsConditionTrue(status, kCondReady);
  const bool refilling = StringField(observed.data_condition, "reason") == kReasonRefilling;
  if (Status s = WriteStatusIfChanged(rp, cached_version, std::move(status)); !s.ok()) {
    return ReconcileResult::Retry(s);
  }

  // 11. Look again later, because replication health changes without any API event; sooner
  //     while the pair is not ready and has a pod to probe or something to fix (a refused child
  //     is retried then, on its own backoff), every second while its master is refilled, and
  //     rarely while it only waits for its pods, whose every change is an event (resync.h).
  return ReconcileResult::After(NextResync(
      {.refilling = refilling,
       .ready = ready,
       .pod_to_probe = !observed.master.pod_ip.empty() || !observed.replica.pod_ip.empty(),
       .needs_fix = !auth->error.empty() || !report.conflict.empty() ||
                    !report.node_port_conflict.empty() || !report.refused.empty()}));
}

Status Reconciler::ReportInvalidSpec(const json& object, const Status& error) {
  const json& meta = Field(object, "metadata");
  RedisPair stub;
  stub.name = StringField(meta, "name");
  stub.namespace_ = StringField(meta, "namespace");
  stub.uid = StringField(meta, "uid");
  if (const json& status = Field(object, "status"); status.is_object()) stub.status = status;
  const json& generation = Field(meta, "generation");
  return WriteStatusIfChanged(
      stub, ResourceVersionOf(object),
      InvalidSpecStatus(generation.is_number_integer() ? generation.get<int64_t>() : 0,
                        error.message()));
}

StatusOr<AuthState> Reconciler::EnsureAuth(const RedisPair& rp, ChildrenReport* report) {
  AuthState auth;
  if (!rp.spec.auth_enabled) return auth;
  StatusOr<json> own =
      EnsureOwnSecret(rp, names::OperatorSecret(rp), /*operator_secret=*/true, report);
  if (!own.ok()) return own.status();
  if (own->is_null()) {
    auth.error = report->conflict;
    auth.error_reason = kEventChildConflict;
    return auth;
  }
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
  StatusOr<json> secret =
      EnsureOwnSecret(rp, names::GeneratedSecret(rp), /*operator_secret=*/false, report);
  if (!secret.ok()) return secret.status();
  if (secret->is_null()) {
    auth.error = report->conflict;
    auth.error_reason = kEventChildConflict;
    return auth;
  }
  ReadClientPassword(rp, *secret, &auth);
  return auth;
}

Status Reconciler::ReadUserSecret(const RedisPair& rp, AuthState* auth) {
  StatusOr<json> secret = deps_.client->Get(kube::kSecrets, rp.namespace_, names::AuthSecret(rp));
  if (secret.status().IsNotFound()) {
    SetMissingSecret(rp, auth);
    return Status::Ok();
  }
  if (!secret.ok()) return secret.status();
  // Whoever may create a RedisPair may name any Secret; its owner must have agreed that it be
  // handed to Redis pods (whose image the RedisPair chooses).
  if (!OptedIn(*secret)) {
    SetNotOptedIn(rp, auth);
    return Status::Ok();
  }
  ReadClientPassword(rp, *secret, auth);
  return Status::Ok();
}

StatusOr<json> Reconciler::EnsureOwnSecret(const RedisPair& rp, const std::string& name,
                                           bool operator_secret, ChildrenReport* report) {
  // Read by name on every pass: watching the operator's own Secrets would take list and watch on
  // every Secret of the namespace, which RBAC cannot narrow to a label.
  StatusOr<json> secret = deps_.client->Get(kube::kSecrets, rp.namespace_, name);
  if (secret.ok()) {
    if (!HasController(*secret) && StringField(Field(Field(*secret, "metadata"), "labels"),
                                               names::kLabelManagedBy) == names::kManagedBy) {
      // Kept by scripts/98-redis-down.sh together with the data (render.h): it lost its
      // controller but keeps our labels. Take it back, so that it goes with this RedisPair when
      // the volume does. Anything else under the name is someone else's (below).
      Status s =
          deps_.client->Apply(kube::kSecrets, BuildSecretAdoption(rp, name), kApplyAsOperator)
              .status();
      CountWrite("secret");
      if (!s.ok()) return s;
      LogInfo("adopted kept secret", {{"redispair", KeyOf(rp)}, {"secret", name}});
      return secret;
    }
    if (!IsControlledBy(*secret, rp)) {
      KeepFirst(&report->conflict, ChildConflictMessage("Secret", *secret, rp));
      return json();
    }
    return secret;
  }
  if (!secret.status().IsNotFound()) return secret.status();
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
  if (!created.ok()) return created.status();
  report->created.push_back("Secret " + name);
  LogInfo("created auth secret", {{"redispair", KeyOf(rp)}, {"secret", name}});
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
                                 ChildrenReport* report) {
  // Two stages, each applied concurrently (a new pair's children cost the round trips of two
  // children, not of eight): the Services, then the rest, whose pods find their Services already
  // there. Outcomes are read in the children's order, so the report does not depend on timing.
  // A child the cache already holds as desired needs no call, so a steady pass starts no thread.
  std::vector<StatusOr<ApplyOutcome>> outcomes(children.size(), ApplyOutcome{});
  for (const bool services : {true, false}) {
    std::vector<std::function<void()>> tasks;
    for (size_t i = 0; i < children.size(); ++i) {
      if ((children[i].resource == kube::kServices) != services) continue;
      if (CachedAsDesired(Cache(children[i].resource), rp, children[i])) continue;
      tasks.push_back([&, i] { outcomes[i] = applier_.Apply(rp, children[i]); });
    }
    RunConcurrently(tasks);
    for (size_t i = 0; i < children.size(); ++i) {
      if ((children[i].resource == kube::kServices) == services && !outcomes[i].ok()) {
        return outcomes[i].status();
      }
    }
  }
  int applied = 0;
  for (size_t i = 0; i < children.size(); ++i) {
    const ChildObject& child = children[i];
    const ApplyOutcome& outcome = *outcomes[i];
    switch (outcome.kind) {
      case ApplyOutcome::Kind::kUnchanged:
        break;
      case ApplyOutcome::Kind::kCreated:
        report->created.push_back(StringField(child.object, "kind") + " " + child.name);
        ++applied;
        break;
      case ApplyOutcome::Kind::kUpdated:
        ++applied;
        break;
      case ApplyOutcome::Kind::kConflict:
        KeepFirst(&report->conflict, outcome.message);
        break;
      case ApplyOutcome::Kind::kNodePortConflict:
        KeepFirst(&report->node_port_conflict, outcome.message);
        break;
      case ApplyOutcome::Kind::kRefused:
        KeepFirst(&report->refused, outcome.message);
        break;
    }
  }
  if (applied > 0) LogInfo("applied children", {{"redispair", KeyOf(rp)}, {"count", applied}});
  return Status::Ok();
}

void Reconciler::RecordChildEvents(const RedisPair& rp, const ChildrenReport& report) {
  using events::Type;
  if (!report.created.empty()) {
    Record(rp, {Type::kNormal, kEventCreated, "Create", "created " + Join(report.created)});
  }
  if (!report.conflict.empty()) {
    Record(rp, {Type::kWarning, kEventChildConflict, "Apply", report.conflict});
  }
  if (!report.node_port_conflict.empty()) {
    Record(rp, {Type::kWarning, kEventNodePortConflict, "Apply", report.node_port_conflict});
  }
  if (!report.refused.empty()) {
    Record(rp, {Type::kWarning, kEventApplyRefused, "Apply", report.refused});
  }
}

Status Reconciler::DeleteDisabledChildren(const RedisPair& rp) {
  if (rp.spec.info_job_enabled) return Status::Ok();
  return DeleteOwnedChild(rp, kube::kCronJobs, names::InfoCronJob(rp));
}

Status Reconciler::DeleteOwnedChild(const RedisPair& rp, const kube::Resource& resource,
                                    const std::string& name) {
  // Only the operator's own child: an object of that name that someone else made stays.
  ObjectPtr live = Cache(resource).Get(CacheKey(rp, name));
  if (!live || !IsControlledBy(*live, rp)) return Status::Ok();
  // Background: the CronJob's Jobs and pods go with it, without the call waiting for them.
  Status s = kube::IgnoreNotFound(
      deps_.client->Delete(resource, rp.namespace_, name, {.propagation_policy = "Background"}));
  CountWrite("delete");
  if (!s.ok()) return s;
  LogInfo("deleted child",
          {{"redispair", KeyOf(rp)}, {"object", kube::Describe(resource, rp.namespace_, name)}});
  return Status::Ok();
}

Observation Reconciler::ObservePods(const RedisPair& rp, const PairPods& pods) const {
  Observation observed;
  observed.master_node_port = rp.spec.master_node_port;
  observed.replica_node_port = rp.spec.replica_node_port;
  observed.master = PickRolePod(pods.masters);
  observed.replica = PickRolePod(pods.replicas);
  return observed;
}

Reconciler::PairPods Reconciler::PodsOf(const RedisPair& rp) const {
  // One pass over the cache, which holds the pods of every pair: at 1,000 pairs, 2,000 of them.
  // The instance label is compared first and in place (no copy): most pods are other pairs'.
  PairPods out;
  const auto is = [](const json& value, const std::string& want) {
    return value.is_string() && value.get_ref<const std::string&>() == want;
  };
  for (const ObjectPtr& pod : Cache(kube::kPods).List()) {
    const json& meta = Field(*pod, "metadata");
    if (!is(Field(Field(meta, "labels"), names::kLabelInstance), rp.name) ||
        !is(Field(meta, "namespace"), rp.namespace_)) {
      continue;
    }
    const std::string component = StringField(Field(meta, "labels"), names::kLabelComponent);
    if (component == names::kRoleMaster) out.masters.push_back(*pod);
    if (component == names::kRoleReplica) out.replicas.push_back(*pod);
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
  // Exact bytes are for graphs; status shows only a bucket (lag_bucket.h) so that it does not
  // churn under write load.
  if (deps_.metrics == nullptr || !r.master || !r.master->slave0_offset) return;
  deps_.metrics->Set("redispair_replication_lag_bytes", {{"redispair", KeyOf(rp)}},
                     static_cast<double>(r.master->master_repl_offset - *r.master->slave0_offset));
}

void Reconciler::SecureData(const RedisPair& rp, const AuthState& auth,
                            const std::vector<json>& replica_pods, Observation* observed) {
  DataSafetyInputs in;
  in.observed = observed;
  in.auth = &auth;
  in.now = deps_.now_rfc3339();
  for (const json& pod : replica_pods) {
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
                                          const std::vector<json>& replica_pods,
                                          const std::string& volume_node) {
  // Only a master that the scheduler cannot place; a Pending master that is merely pulling its
  // image or waiting for its volume is left alone.
  if (!master.exists || !master.node.empty() || master.waiting_reason != "Unschedulable") {
    return Status::Ok();
  }
  for (const json& pod : replica_pods) {
    const PodObservation replica = ObservePod(pod);
    if (replica.terminating || replica.node != volume_node) continue;
    // The replica holds no state, and its Deployment already keeps new pods off this node.
    Status s =
        kube::IgnoreNotFound(deps_.client->Delete(kube::kPods, rp.namespace_, replica.name, {}));
    CountWrite("pod");
    if (!s.ok()) return s;
    LogInfo("moved the replica off the master's volume node (placement deadlock)",
            {{"redispair", KeyOf(rp)}, {"pod", replica.name}, {"node", volume_node}});
    std::string why = master.waiting_message.empty() ? "" : " (" + master.waiting_message + ")";
    Record(rp,
           {events::Type::kNormal, kEventPlacementDeadlockBroken, "DeletePod",
            "deleted replica pod " + replica.name + " on node " + volume_node + ": master pod " +
                master.name + " could not be scheduled" + why + " and its volume pins it to " +
                volume_node + "; the replica's Deployment keeps its next pod off that node"});
  }
  return Status::Ok();
}

Status Reconciler::WriteStatusIfChanged(const RedisPair& rp, const std::string& cached_version,
                                        json status) {
  const std::string key = KeyOf(rp);
  const json previous = status_memory_.Previous(key, cached_version, rp.status);
  StampTransitionTimes(previous, deps_.now_rfc3339(), &status);
  if (status == previous) return Status::Ok();
  const json patch = {{"apiVersion", kApiVersion},
                      {"kind", kKind},
                      {"metadata", {{"name", rp.name}, {"namespace", rp.namespace_}}},
                      {"status", status}};
  Status s = deps_.client->ApplyStatus(kRedisPairs, patch, kApplyAsOperator).status();
  CountWrite("status");
  // Deleted meanwhile: nothing is left to report on.
  if (s.IsNotFound()) return Status::Ok();
  if (!s.ok()) return s;
  status_memory_.Wrote(key, cached_version, status);
  const bool was_healthy =
      status_memory_.ReplicationWasHealthy(key, IsConditionTrue(status, kCondReplicationHealthy)) ||
      IsConditionTrue(previous, kCondReplicationHealthy);
  for (const events::Event& e : StatusTransitionEvents(previous, status, was_healthy)) {
    Record(rp, e);
  }
  return Status::Ok();
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
