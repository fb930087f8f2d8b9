#include "controller/ownership.h"

#include "controller/names.h"
#include "util/json_fields.h"

namespace redispair {
namespace {

using nlohmann::json;

const json& Meta(const json& object) { return Field(object, "metadata"); }

const json* ControllerRef(const json& object) {
  const json& refs = Field(Meta(object), "ownerReferences");
  if (!refs.is_array()) return nullptr;
  for (const json& ref : refs) {
    if (Field(ref, "controller") == true) return &ref;
  }
  return nullptr;
}

std::string NameOf(const json& object) {
  return StringField(Meta(object), "namespace") + "/" + StringField(Meta(object), "name");
}

}  // namespace

bool IsControlledBy(const json& object, const RedisPair& rp) {
  const json* ref = ControllerRef(object);
  return ref != nullptr && !rp.uid.empty() && StringField(*ref, "uid") == rp.uid;
}

std::string DescribeOwner(const json& object, const RedisPair& rp) {
  if (const json* ref = ControllerRef(object)) {
    std::string out =
        "controlled by " + StringField(*ref, "kind") + " " + StringField(*ref, "name");
    if (StringField(*ref, "kind") == kKind && StringField(*ref, "name") == rp.name) {
      out += " of another uid (an earlier RedisPair of this name)";
    }
    return out;
  }
  const std::string managed_by = StringField(Field(Meta(object), "labels"), names::kLabelManagedBy);
  if (!managed_by.empty()) return "managed by " + managed_by;
  const json& fields = Field(Meta(object), "managedFields");
  if (fields.is_array() && !fields.empty()) {
    const std::string manager = StringField(fields[0], "manager");
    if (!manager.empty()) return "created by " + manager;
  }
  return "no owner";
}

std::string ChildConflictMessage(const std::string& kind, const json& object, const RedisPair& rp) {
  return kind + " " + NameOf(object) + " already exists and is not this RedisPair's (" +
         DescribeOwner(object, rp) +
         "); the operator leaves it alone: delete or rename it, and the operator creates its own";
}

std::vector<int> NodePortsOf(const json& service) {
  std::vector<int> out;
  const json& ports = Field(Field(service, "spec"), "ports");
  if (!ports.is_array()) return out;
  for (const json& port : ports) {
    const json& node_port = Field(port, "nodePort");
    if (node_port.is_number_integer() && node_port.get<int>() > 0) {
      out.push_back(node_port.get<int>());
    }
  }
  return out;
}

std::optional<std::string> NodePortHolder(const std::vector<ObjectPtr>& services, int port,
                                          const std::string& own_name, const RedisPair& rp) {
  for (const ObjectPtr& service : services) {
    if (StringField(Meta(*service), "name") == own_name) continue;
    for (int p : NodePortsOf(*service)) {
      if (p == port)
        return "Service " + NameOf(*service) + " (" + DescribeOwner(*service, rp) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace redispair
