#include "controller/observation.h"

#include <catch2/catch.hpp>

namespace redispair {

using nlohmann::json;

TEST_CASE("ObservePodReadsNodeIpsAndReadiness") {
  json pod = {
      {"metadata", {{"name", "redis-master-0"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
      {"spec", {{"nodeName", "node-a"}}},
      {"status",
       {{"phase", "Running"},
        {"hostIP", "192.168.49.2"},
        {"podIP", "10.244.0.5"},
        {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  PodObservation o = ObservePod(pod);
  CHECK(o.exists);
  CHECK(o.ready);
  CHECK(o.node == "node-a");
  CHECK(o.pod_ip == "10.244.0.5");
  pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:01:00Z";
  CHECK_FALSE(ObservePod(pod).ready);
  CHECK(ObservePod(pod).terminating);
}

TEST_CASE("ObservePodExplainsPendingPods") {
  json pod = {{"metadata", {{"name", "p"}}},
              {"status",
               {{"phase", "Pending"},
                {"conditions", json::array({{{"type", "PodScheduled"},
                                             {"status", "False"},
                                             {"reason", "Unschedulable"},
                                             {"message", "0/2 nodes are available"}}})}}}};
  PodObservation o = ObservePod(pod);
  CHECK(o.waiting_reason == "Unschedulable");
  CHECK(o.waiting_message == "0/2 nodes are available");
}

TEST_CASE("PickRolePodPrefersReadyOverNewer") {
  json ready = {{"metadata", {{"name", "old"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
                {"status",
                 {{"phase", "Running"},
                  {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  json pending = {{"metadata", {{"name", "new"}, {"creationTimestamp", "2026-01-02T00:00:00Z"}}},
                  {"status", {{"phase", "Pending"}}}};
  CHECK(PickRolePod({pending, ready}).name == "old");
  CHECK(PickRolePod({pending}).name == "new");
  CHECK_FALSE(PickRolePod({}).exists);
}

TEST_CASE("ParseReplicationInfoOfMasterAndReplica") {
  const char* master =
      "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
      "slave0:ip=10.244.1.3,port=6379,state=online,offset=4242,lag=0\r\n"
      "master_repl_offset:4300\r\n";
  ReplicationInfo m = ParseReplicationInfo(master);
  CHECK(m.role == "master");
  CHECK(m.connected_slaves == 1);
  CHECK(m.master_repl_offset == 4300);
  CHECK(m.slave0_offset.value() == 4242);

  ReplicationInfo r = ParseReplicationInfo(
      "# Replication\nrole:slave\nmaster_host:redis-master-0\nmaster_link_status:up\n"
      "slave_repl_offset:4300\n");
  CHECK(r.role == "slave");
  CHECK(r.master_link_status == "up");
  CHECK(r.slave_repl_offset.value() == 4300);
  CHECK_FALSE(r.slave0_offset.has_value());
}

TEST_CASE("ParseReplicationInfoReadsKeyspaceAndPersistenceToo") {
  // INFO replication, keyspace and persistence of a master being refilled, as redis-server 7
  // prints them, one after the other.
  ReplicationInfo i = ParseReplicationInfo(
      "# Replication\r\nrole:slave\r\nmaster_host:10.244.2.7\r\nmaster_port:6379\r\n"
      "master_link_status:up\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:77\r\n"
      "master_replid:4f1c\r\n\r\n"
      "# Keyspace\r\ndb0:keys=10000,expires=0,avg_ttl=0\r\ndb3:keys=5,expires=1,avg_ttl=9\r\n\r\n"
      "# Persistence\r\nloading:0\r\naof_enabled:1\r\naof_rewrite_in_progress:1\r\n"
      "aof_rewrite_scheduled:0\r\naof_last_bgrewrite_status:ok\r\n");
  CHECK(i.master_host == "10.244.2.7");
  CHECK(i.master_port == 6379);
  CHECK_FALSE(i.master_sync_in_progress);
  CHECK(i.master_replid == "4f1c");
  CHECK(i.keys == 10005);
  CHECK_FALSE(i.loading);
  CHECK(i.aof_enabled);
  CHECK(i.aof_rewrite_in_progress);
  CHECK_FALSE(i.aof_rewrite_scheduled);
  CHECK(i.aof_last_bgrewrite_status == "ok");
  CHECK_FALSE(i.password_hashes.has_value());
  CHECK(ParseReplicationInfo("master_sync_in_progress:1\nloading:1\n").master_sync_in_progress);
  CHECK(ParseReplicationInfo("dbx:keys=3\ndb0:expires=1\n").keys == 0);
}

TEST_CASE("ParseReplicationInfoIgnoresGarbage") {
  ReplicationInfo i = ParseReplicationInfo("junk\n:\nconnected_slaves:x\nrole\n");
  CHECK(i.role.empty());
  CHECK(i.connected_slaves == 0);
}

}  // namespace redispair
