// What the operator observed about a RedisPair's pods and replication, reduced to plain values.
// Built from API objects and INFO replication text by pure functions; the status is computed from
// these alone (see status.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace redispair {

struct PodObservation {
  bool exists = false;
  std::string name;
  std::string node;
  std::string host_ip;
  std::string pod_ip;
  std::string phase;   // Pending, Running, ...
  bool ready = false;  // the Ready pod condition
  bool terminating = false;
  // Why a Pending pod is not running: the PodScheduled=False reason/message ("Unschedulable",
  // "0/2 nodes are available: ..."), or a waiting container's reason ("ErrImagePull").
  std::string waiting_reason;
  std::string waiting_message;
};

// Reduces a Pod object to the observation. Pure.
PodObservation ObservePod(const nlohmann::json& pod);

// Picks the pod that represents a role when several exist (a rollout): a ready one, else a
// running one, else the newest. Returns a default (exists=false) observation for none.
PodObservation PickRolePod(const std::vector<nlohmann::json>& pods);

// What the operator reads from one server: INFO replication, keyspace and persistence, and the
// password digests of the default user (ACL GETUSER default).
struct ReplicationInfo {
  std::string role;  // "master" or "slave"
  int connected_slaves = 0;
  std::string master_replid;
  int64_t master_repl_offset = 0;
  // On a master: the first replica's acknowledged offset (slave0:...,offset=N).
  std::optional<int64_t> slave0_offset;
  // On a replica.
  std::string master_host;
  int master_port = 0;
  std::string master_link_status;  // "up" / "down"
  bool master_sync_in_progress = false;
  std::optional<int64_t> slave_repl_offset;
  // INFO keyspace: keys in all databases together.
  int64_t keys = 0;
  // INFO persistence.
  bool loading = false;
  bool aof_enabled = false;
  bool aof_rewrite_in_progress = false;
  bool aof_rewrite_scheduled = false;
  std::string aof_last_bgrewrite_status;  // "ok" / "err"
  // The SHA-256 (hex) of every password the default user accepts; nullopt when not read (auth
  // off, or an older server).
  std::optional<std::vector<std::string>> password_hashes;
};

// Parses INFO text ("key:value\r\n" lines, any sections). Unknown keys are ignored. Pure.
ReplicationInfo ParseReplicationInfo(std::string_view info_text);

struct ReplicationObservation {
  // Set when the probe could not run or failed (connection refused, auth error); names the side.
  std::string master_error;
  std::string replica_error;
  std::optional<ReplicationInfo> master;
  std::optional<ReplicationInfo> replica;
};

struct Observation {
  PodObservation master;
  PodObservation replica;
  ReplicationObservation replication;
  std::string auth_error;          // e.g. the named Secret does not exist
  std::string auth_reason;         // with auth_error: AuthSecretMissing, AuthSecretNotOptedIn, ...
  std::string child_conflict;      // a child's name is held by an object that is not the pair's
  std::string node_port_conflict;  // a NodePort of the pair is held by another Service
  std::string apply_error;         // a child the API server refused, e.g. by an admission policy
  // The MasterDataLost condition ({status, reason, message}) and status.data, as the data-safety
  // step judged them (data_evidence.h); null when nothing is known.
  nlohmann::json data_condition;
  nlohmann::json data_evidence;
  int master_node_port = 0;
  int replica_node_port = 0;
};

}  // namespace redispair
