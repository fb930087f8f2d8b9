// The RedisPair custom resource as the controller sees it: a typed view of the parts of the object
// that drive rendering, with the CRD's defaults applied again here so that an object stored before
// a default existed still renders the same way.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/resource.h"
#include "util/status.h"

namespace redispair {

inline constexpr const char* kGroup = "redispair.io";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "redispair.io/v1alpha1";
inline constexpr const char* kKind = "RedisPair";
inline const kube::Resource kRedisPairs{kGroup, kVersion, "redispairs", true};

struct Resources {
  std::map<std::string, std::string> requests;  // "cpu" -> "50m"
  std::map<std::string, std::string> limits;
};

struct RedisPairSpec {
  std::string image = "redis:7.2";
  std::string image_pull_policy = "IfNotPresent";

  bool auth_enabled = true;
  std::string auth_secret_name;  // empty: the operator generates "<name>-auth"
  std::string auth_secret_key = "password";

  int master_node_port = 32400;
  std::string storage_size = "1Gi";
  std::string storage_class_name;           // empty: the cluster's default class
  std::string retention_policy = "Retain";  // Retain | Delete
  Resources master_resources;

  int replica_node_port = 32401;
  Resources replica_resources;

  // spec.redis: Redis's own memory settings for both roles (memory_budget.h).
  std::string maxmemory;  // a quantity; empty: derived from each role's limits.memory
  std::string maxmemory_policy = "noeviction";

  bool info_job_enabled = false;
  std::string info_job_schedule = "*/1 * * * *";
};

struct RedisPair {
  std::string name;
  std::string namespace_;
  std::string uid;
  int64_t generation = 0;
  RedisPairSpec spec;
  nlohmann::json status =
      nlohmann::json::object();  // as stored; used only to keep transition times
};

// Reads a RedisPair from its API JSON. Fails with InvalidArgument naming the field when a value has
// the wrong type; the CRD schema refuses such objects, so this only guards against older or
// hand-crafted storage.
StatusOr<RedisPair> ParseRedisPair(const nlohmann::json& object);

// "namespace/name", the work-queue key.
std::string KeyOf(const RedisPair& rp);

}  // namespace redispair
