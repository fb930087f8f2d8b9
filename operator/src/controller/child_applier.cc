#include "controller/child_applier.h"

#include <algorithm>

#include "controller/drift.h"
#include "controller/names.h"
#include "controller/ownership.h"
#include "kube/client.h"
#include "metrics/metrics.h"
#include "util/json_fields.h"
#include "util/log.h"

namespace redispair {
namespace {

using nlohmann::json;

// Every write of the operator is a forced server-side apply under one field manager: the
// operator owns the fields it renders, whoever changed them since (on its own objects only).
const kube::ApplyOptions kApplyAsOperator{.field_manager = names::kFieldManager, .force = true};

// The API server's words for a NodePort that another Service, in any namespace, holds.
constexpr std::string_view kPortAllocated = "provided port is already allocated";

// The status and Event message for NodePort `port` of Service `child`, held by `holder`.
std::string PortHeldMessage(const RedisPair& rp, const ChildObject& child, int port,
                            const std::string& holder) {
  return "NodePort " + std::to_string(port) + " of Service " + rp.namespace_ + "/" + child.name +
         " is already used by " + holder +
         "; choose another port in the RedisPair's spec (spec.master.nodePort or "
         "spec.replica.nodePort), or free it";
}

}  // namespace

bool StopsThePass(const Status& s) {
  return s.code() == Status::Code::kUnavailable || s.IsCancelled();
}

StatusOr<ApplyOutcome> ChildApplier::Apply(const RedisPair& rp, const ChildObject& child) {
  const std::string kind = StringField(child.object, "kind");
  const std::string where = kube::Describe(child.resource, rp.namespace_, child.name);
  ObjectPtr live = deps_.cache(child.resource).Get(rp.namespace_ + "/" + child.name);
  bool creating = false;
  if (!live) {
    // Not in the cache, which sees only objects labelled as the operator's: ask the API server
    // whether someone else's object has the name.
    StatusOr<json> got = deps_.client->Get(child.resource, rp.namespace_, child.name);
    if (got.ok()) {
      live = std::make_shared<const json>(std::move(*got));
    } else if (got.status().IsNotFound()) {
      creating = true;
    } else {
      return got.status();
    }
  }
  if (live && !IsControlledBy(*live, rp)) {
    return ApplyOutcome{ApplyOutcome::Kind::kConflict, ChildConflictMessage(kind, *live, rp)};
  }
  std::string drift;
  if (live && ContainsDesired(child.object, *live, &drift)) return ApplyOutcome{};

  // Another of the operator's Services holding a port is found in the cache; any other holder
  // is left to the API server to find, which refuses the apply (below). Listing every Service of
  // the namespace first cost two lists of the whole namespace per new pair, thousands of Services
  // at 1,000 pairs.
  if (std::string conflict = CachedNodePortConflict(rp, child, live.get()); !conflict.empty()) {
    return ApplyOutcome{ApplyOutcome::Kind::kNodePortConflict, conflict};
  }

  const size_t fingerprint = std::hash<std::string>{}(child.object.dump());
  const auto now = deps_.now();
  std::string held_back;
  if (!backoff_.MayApply(where, fingerprint, now, &held_back)) {
    // Held back after a port refusal, it is still reported as the port conflict it is.
    if (held_back.find(kPortAllocated) != std::string::npos) {
      return PortAllocated(rp, child, held_back);
    }
    return ApplyOutcome{ApplyOutcome::Kind::kRefused, held_back};
  }
  if (live) LogInfo("child drifted; applying", {{"object", where}, {"field", drift}});
  Status s = deps_.client->Apply(child.resource, child.object, kApplyAsOperator).status();
  if (deps_.metrics) deps_.metrics->Inc("redispair_reconcile_writes_total", {{"what", kind}});
  if (StopsThePass(s)) return s;
  if (!s.ok()) {
    backoff_.Refused(where, fingerprint, s.message(), now);
    if (s.message().find(kPortAllocated) != std::string::npos) {
      return PortAllocated(rp, child, s.message());
    }
    return ApplyOutcome{ApplyOutcome::Kind::kRefused, s.message()};
  }
  backoff_.Succeeded(where);
  return ApplyOutcome{creating ? ApplyOutcome::Kind::kCreated : ApplyOutcome::Kind::kUpdated, ""};
}

std::string ChildApplier::CachedNodePortConflict(const RedisPair& rp, const ChildObject& child,
                                                 const json* live) {
  if (child.resource != kube::kServices) return std::string();
  const std::vector<int> held = live ? NodePortsOf(*live) : std::vector<int>{};
  std::vector<ObjectPtr> services;
  for (int port : NodePortsOf(child.object)) {
    // A port the Service already holds is its own.
    if (std::find(held.begin(), held.end(), port) != held.end()) continue;
    if (services.empty()) services = deps_.cache(kube::kServices).List();
    if (std::optional<std::string> holder = NodePortHolder(services, port, child.name, rp)) {
      return PortHeldMessage(rp, child, port, *holder);
    }
  }
  return std::string();
}

StatusOr<ApplyOutcome> ChildApplier::PortAllocated(const RedisPair& rp, const ChildObject& child,
                                                   const std::string& refusal) {
  // Which Service holds it: any of the namespace's, not only the operator's. Listed only after a
  // refusal.
  StatusOr<json> list = deps_.client->List(kube::kServices, rp.namespace_, {});
  if (!list.ok() && StopsThePass(list.status())) return list.status();
  if (list.ok()) {
    std::vector<ObjectPtr> services;
    if (const json& items = Field(*list, "items"); items.is_array()) {
      for (const json& item : items) services.push_back(std::make_shared<const json>(item));
    }
    for (int port : NodePortsOf(child.object)) {
      if (std::optional<std::string> holder = NodePortHolder(services, port, child.name, rp)) {
        return ApplyOutcome{ApplyOutcome::Kind::kNodePortConflict,
                            PortHeldMessage(rp, child, port, *holder)};
      }
    }
  }
  // No Service in this namespace holds it (or the list failed), so one in another namespace
  // does, which the operator's namespaced Role cannot see.
  return ApplyOutcome{ApplyOutcome::Kind::kNodePortConflict,
                      "a NodePort of " + StringField(child.object, "kind") + " " + rp.namespace_ +
                          "/" + child.name + " is held by a Service in another namespace (" +
                          refusal + "); choose another port in the RedisPair's spec or free it"};
}

}  // namespace redispair
