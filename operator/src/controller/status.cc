#include "controller/status.h"

#include "controller/data_evidence.h"
#include "controller/lag_bucket.h"
#include "controller/names.h"
#include "util/json_fields.h"

namespace redispair {
namespace {

using nlohmann::json;

struct Condition {
  const char* type;
  const char* status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
};

json ToJson(const Condition& c, int64_t generation) {
  return json{{"type", c.type},
              {"status", c.status},
              {"observedGeneration", generation},
              {"reason", c.reason},
              {"message", c.message}};
}

// Role pod condition: why a role is or is not serving.
Condition RoleCondition(const char* type, const char* role, const PodObservation& pod,
                        const std::string& workload) {
  if (!pod.exists) {
    return {type, "False", "PodMissing",
            std::string("no ") + role + " pod exists yet (" + workload + " has not created one)"};
  }
  if (pod.terminating) {
    return {type, "False", "PodTerminating",
            role + std::string(" pod ") + pod.name + " is terminating"};
  }
  if (pod.ready) {
    return {type, "True", "PodReady",
            role + std::string(" pod ") + pod.name + " is ready on node " + pod.node};
  }
  if (pod.phase == "Pending" || pod.phase.empty()) {
    std::string msg = role + std::string(" pod ") + pod.name + " is pending";
    if (!pod.waiting_message.empty()) {
      msg += ": " + pod.waiting_message;
    } else if (!pod.waiting_reason.empty()) {
      msg += ": " + pod.waiting_reason;
    }
    const std::string reason =
        pod.waiting_reason == "Unschedulable" ? "Unschedulable" : "PodPending";
    return {type, "False", reason, msg};
  }
  std::string msg = role + std::string(" pod ") + pod.name + " is " + pod.phase + " but not ready";
  if (!pod.waiting_reason.empty()) msg += " (" + pod.waiting_reason + ")";
  return {type, "False", "PodNotReady", msg};
}

Condition ReplicationCondition(const Observation& o) {
  const ReplicationObservation& r = o.replication;
  if (!r.master_error.empty()) {
    return {kCondReplicationHealthy, "Unknown", "MasterUnreachable", r.master_error};
  }
  if (!r.replica_error.empty()) {
    return {kCondReplicationHealthy, "Unknown", "ReplicaUnreachable", r.replica_error};
  }
  if (!r.master || !r.replica) {
    return {kCondReplicationHealthy, "Unknown", "NotProbed",
            "replication is checked once both pods have an IP"};
  }
  if (r.master->role != "master") {
    return {kCondReplicationHealthy, "False", "MasterNotMaster",
            "the master pod reports role:" + r.master->role};
  }
  if (r.replica->master_link_status != "up") {
    return {kCondReplicationHealthy, "False", "LinkDown",
            "the replica reports master_link_status:" + (r.replica->master_link_status.empty()
                                                             ? std::string("unknown")
                                                             : r.replica->master_link_status)};
  }
  if (r.master->connected_slaves < 1) {
    return {kCondReplicationHealthy, "False", "NoReplicaConnected",
            "the master reports connected_slaves:0"};
  }
  return {kCondReplicationHealthy, "True", "LinkUp",
          "the replica follows the master (master_link_status:up)"};
}

json RoleJson(const PodObservation& p) {
  json out = json::object();
  if (!p.exists) return out;
  out["pod"] = p.name;
  out["ready"] = p.ready;
  if (!p.node.empty()) out["node"] = p.node;
  if (!p.host_ip.empty()) out["hostIP"] = p.host_ip;
  return out;
}

}  // namespace

json ComputeStatus(const RedisPair& rp, const Observation& o) {
  const Condition master = RoleCondition(kCondMasterReady, names::kRoleMaster, o.master,
                                         "StatefulSet " + names::MasterStatefulSet(rp));
  const Condition replica = RoleCondition(kCondReplicaReady, names::kRoleReplica, o.replica,
                                          "Deployment " + names::ReplicaDeployment(rp));
  const Condition replication = ReplicationCondition(o);

  Condition ready{kCondReady, "True", "Ready", "master and replica are ready and replicating"};
  const bool refilling = StringField(o.data_condition, "reason") == kReasonRefilling;
  if (!o.auth_error.empty()) {
    ready = {kCondReady, "False", o.auth_reason.empty() ? "AuthSecretMissing" : o.auth_reason,
             o.auth_error};
  } else if (refilling) {
    // Said before the roles' conditions: a master being refilled is deliberately not ready.
    ready = {kCondReady, "False", "Refilling", StringField(o.data_condition, "message")};
  } else if (!o.child_conflict.empty()) {
    ready = {kCondReady, "False", "ChildConflict", o.child_conflict};
  } else if (!o.node_port_conflict.empty()) {
    ready = {kCondReady, "False", "NodePortConflict", o.node_port_conflict};
  } else if (!o.apply_error.empty()) {
    ready = {kCondReady, "False", "ApplyFailed", o.apply_error};
  } else {
    for (const Condition* c : {&master, &replica, &replication}) {
      if (std::string(c->status) != "True") {
        ready = {kCondReady, "False", c->reason, c->message};
        break;
      }
    }
  }

  json status = json::object();
  status["observedGeneration"] = rp.generation;
  status["conditions"] =
      json::array({ToJson(ready, rp.generation), ToJson(master, rp.generation),
                   ToJson(replica, rp.generation), ToJson(replication, rp.generation)});
  if (o.data_condition.is_object()) {
    status["conditions"].push_back(ToJson(
        {kCondMasterDataLost, StringField(o.data_condition, "status") == "True" ? "True" : "False",
         StringField(o.data_condition, "reason"), StringField(o.data_condition, "message")},
        rp.generation));
  }
  if (o.data_evidence.is_object()) status["data"] = o.data_evidence;
  // Empty objects are left out rather than sent as {}: server-side apply can turn an empty map
  // into null, which the schema refuses ("endpoints in body must be of type object").
  auto set_if_any = [&status](const char* key, json value) {
    if (!value.empty()) status[key] = std::move(value);
  };
  set_if_any("master", RoleJson(o.master));
  set_if_any("replica", RoleJson(o.replica));
  json endpoints = json::object();
  // A NodePort answers on every node; the role's own node is the natural address to print.
  if (!o.master.host_ip.empty()) {
    endpoints["master"] = o.master.host_ip + ":" + std::to_string(o.master_node_port);
  }
  if (!o.replica.host_ip.empty()) {
    endpoints["replica"] = o.replica.host_ip + ":" + std::to_string(o.replica_node_port);
  }
  set_if_any("endpoints", std::move(endpoints));

  json repl = json::object();
  const auto& r = o.replication;
  if (r.replica) {
    repl["linkStatus"] =
        r.replica->master_link_status.empty() ? "unknown" : r.replica->master_link_status;
  } else {
    repl["linkStatus"] = "unknown";
  }
  if (r.master) {
    repl["connectedReplicas"] = r.master->connected_slaves;
    if (r.master->slave0_offset) {
      // A bucket, not bytes: exact bytes change with every write and would rewrite the status on
      // every probe. The exact figure is the redispair_replication_lag_bytes metric.
      repl["lag"] = LagBucket(r.master->master_repl_offset - *r.master->slave0_offset);
    }
  }
  status["replication"] = repl;
  return status;
}

json InvalidSpecStatus(int64_t generation, const std::string& message) {
  json status = json::object();
  status["observedGeneration"] = generation;
  status["conditions"] =
      json::array({ToJson({kCondReady, "False", "InvalidSpec", message}, generation)});
  return status;
}

const json* FindCondition(const json& status, std::string_view type) {
  const json& conditions = Field(status, "conditions");
  if (!conditions.is_array()) return nullptr;
  for (const json& c : conditions) {
    if (StringField(c, "type") == type) return &c;
  }
  return nullptr;
}

bool IsConditionTrue(const json& status, std::string_view type) {
  const json* c = FindCondition(status, type);
  return c != nullptr && StringField(*c, "status") == "True";
}

void StampTransitionTimes(const json& previous, const std::string& now, json* status) {
  if (!status->contains("conditions")) return;
  for (json& c : (*status)["conditions"]) {
    const json* before = FindCondition(previous, StringField(c, "type"));
    const std::string kept = before != nullptr ? StringField(*before, "lastTransitionTime") : "";
    const bool same =
        before != nullptr && StringField(*before, "status") == StringField(c, "status");
    c["lastTransitionTime"] = same && !kept.empty() ? kept : now;
  }
}

}  // namespace redispair
