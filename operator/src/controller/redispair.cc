#include "controller/redispair.h"

namespace redispair {
namespace {

// Fills `out` from `obj[key]` when it is present and has the expected type; wrong types are errors.
Status ReadString(const nlohmann::json& obj, const char* key, const std::string& path,
                  std::string* out) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return Status::Ok();
  if (!obj[key].is_string()) {
    return Status::InvalidArgument(path + "." + key + " must be a string");
  }
  *out = obj[key].get<std::string>();
  return Status::Ok();
}

Status ReadBool(const nlohmann::json& obj, const char* key, const std::string& path, bool* out) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return Status::Ok();
  if (!obj[key].is_boolean()) {
    return Status::InvalidArgument(path + "." + key + " must be a boolean");
  }
  *out = obj[key].get<bool>();
  return Status::Ok();
}

Status ReadInt(const nlohmann::json& obj, const char* key, const std::string& path, int* out) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return Status::Ok();
  if (!obj[key].is_number_integer()) {
    return Status::InvalidArgument(path + "." + key + " must be an integer");
  }
  *out = obj[key].get<int>();
  return Status::Ok();
}

// Quantities may arrive as JSON numbers (`cpu: 1`); the API server keeps them as they were written.
std::string QuantityText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

Status ReadQuantity(const nlohmann::json& obj, const char* key, const std::string& path,
                    std::string* out) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return Status::Ok();
  if (!obj[key].is_string() && !obj[key].is_number()) {
    return Status::InvalidArgument(path + "." + key + " must be a quantity");
  }
  *out = QuantityText(obj[key]);
  return Status::Ok();
}

Status ReadResources(const nlohmann::json& obj, const std::string& path, Resources* out) {
  if (!obj.is_object() || !obj.contains("resources")) return Status::Ok();
  const nlohmann::json& r = obj["resources"];
  Resources parsed;
  for (const char* part : {"requests", "limits"}) {
    if (!r.contains(part) || r[part].is_null()) continue;
    if (!r[part].is_object()) {
      return Status::InvalidArgument(path + ".resources." + part + " must be an object");
    }
    auto& dest = std::string(part) == "requests" ? parsed.requests : parsed.limits;
    for (const auto& [name, value] : r[part].items()) {
      if (!value.is_string() && !value.is_number()) {
        return Status::InvalidArgument(path + ".resources." + part + "." + name +
                                       " must be a quantity");
      }
      dest[name] = QuantityText(value);
    }
  }
  *out = std::move(parsed);
  return Status::Ok();
}

Resources DefaultResources() {
  Resources r;
  r.requests = {{"cpu", "50m"}, {"memory", "64Mi"}};
  r.limits = {{"memory", "256Mi"}};
  return r;
}

}  // namespace

StatusOr<RedisPair> ParseRedisPair(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return Status::InvalidArgument("object has no metadata");
  }
  const nlohmann::json& meta = object["metadata"];
  RedisPair rp;
  rp.name = meta.value("name", "");
  rp.namespace_ = meta.value("namespace", "");
  rp.uid = meta.value("uid", "");
  rp.generation = meta.value("generation", int64_t{0});
  if (rp.name.empty() || rp.namespace_.empty()) {
    return Status::InvalidArgument("metadata.name and metadata.namespace are required");
  }
  if (object.contains("status") && object["status"].is_object()) rp.status = object["status"];

  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& spec = object.contains("spec") ? object["spec"] : kEmpty;
  RedisPairSpec& s = rp.spec;
  s.master_resources = DefaultResources();
  s.replica_resources = DefaultResources();
  const auto sub = [](const nlohmann::json& o, const char* k) -> const nlohmann::json& {
    return o.is_object() && o.contains(k) && o[k].is_object() ? o[k] : kEmpty;
  };
  const nlohmann::json& auth = sub(spec, "auth");
  const nlohmann::json& master = sub(spec, "master");
  const nlohmann::json& storage = sub(master, "storage");
  const nlohmann::json& replica = sub(spec, "replica");
  const nlohmann::json& info = sub(spec, "infoJob");
  const nlohmann::json& redis = sub(spec, "redis");

  for (Status st : {
           ReadString(spec, "image", "spec", &s.image),
           ReadString(spec, "imagePullPolicy", "spec", &s.image_pull_policy),
           ReadBool(auth, "enabled", "spec.auth", &s.auth_enabled),
           ReadString(auth, "secretName", "spec.auth", &s.auth_secret_name),
           ReadString(auth, "secretKey", "spec.auth", &s.auth_secret_key),
           ReadInt(master, "nodePort", "spec.master", &s.master_node_port),
           ReadQuantity(storage, "size", "spec.master.storage", &s.storage_size),
           ReadString(storage, "storageClassName", "spec.master.storage", &s.storage_class_name),
           ReadString(storage, "retentionPolicy", "spec.master.storage", &s.retention_policy),
           ReadResources(master, "spec.master", &s.master_resources),
           ReadInt(replica, "nodePort", "spec.replica", &s.replica_node_port),
           ReadResources(replica, "spec.replica", &s.replica_resources),
           ReadQuantity(redis, "maxmemory", "spec.redis", &s.maxmemory),
           ReadString(redis, "maxmemoryPolicy", "spec.redis", &s.maxmemory_policy),
           ReadBool(info, "enabled", "spec.infoJob", &s.info_job_enabled),
           ReadString(info, "schedule", "spec.infoJob", &s.info_job_schedule),
       }) {
    if (!st.ok()) return st;
  }
  if (s.auth_secret_key.empty()) s.auth_secret_key = "password";
  if (s.maxmemory_policy.empty()) s.maxmemory_policy = "noeviction";
  return rp;
}

std::string KeyOf(const RedisPair& rp) { return rp.namespace_ + "/" + rp.name; }

}  // namespace redispair
