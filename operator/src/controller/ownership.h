// Whose an object is. The operator writes only objects that carry its RedisPair's controller
// ownerReference; any other object with a child's name (made by Helm, by a colleague, left over
// from an earlier RedisPair of that name) is reported and left alone until the user deletes or
// renames it. Taking it over would rewrite its spec, and garbage collection would then delete it
// with the RedisPair.
//
// Pure functions over API objects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/redispair.h"
#include "informer/object_cache.h"

namespace redispair {

// True when `object` has a controller ownerReference (controller: true) to rp's uid.
bool IsControlledBy(const nlohmann::json& object, const RedisPair& rp);

// Who `object` belongs to, in a few words for people: its controller ownerReference
// ("RedisPair old (another uid)", "Deployment web"), else its app.kubernetes.io/managed-by label
// ("managed by Helm"), else the field manager that created it ("created by kubectl-create"), else
// "no owner".
std::string DescribeOwner(const nlohmann::json& object, const RedisPair& rp);

// The status and Event message for a child name taken by `object` of `kind`: which object, whose
// it is, and what to do.
std::string ChildConflictMessage(const std::string& kind, const nlohmann::json& object,
                                 const RedisPair& rp);

// The Service in `services` (other than `own_name`) that holds NodePort `port`, as
// "Service <ns>/<name> (<owner>)", or nullopt when none of them does.
std::optional<std::string> NodePortHolder(const std::vector<ObjectPtr>& services, int port,
                                          const std::string& own_name, const RedisPair& rp);

// The nodePorts a rendered or live Service asks for, in port order.
std::vector<int> NodePortsOf(const nlohmann::json& service);

}  // namespace redispair
