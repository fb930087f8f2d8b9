#include "controller/refill.h"

#include <algorithm>

namespace redispair {
namespace {

std::string Keys(int64_t n) { return std::to_string(n) + (n == 1 ? " key" : " keys"); }

}  // namespace

bool IsRefilling(RefillStep step) {
  switch (step) {
    case RefillStep::kWaitForSync:
    case RefillStep::kEnableAof:
    case RefillStep::kWaitForAof:
    case RefillStep::kRetryAof:
    case RefillStep::kWaitForOffset:
    case RefillStep::kRefillAgain:
      return true;
    default:
      return false;
  }
}

RefillDecision DecideRefill(const std::optional<ReplicationInfo>& master,
                            const std::optional<ReplicationInfo>& replica,
                            const std::string& replica_ip,
                            const std::vector<std::string>& replica_pod_ips) {
  if (!master) return {};
  if (master->role == "slave") {
    const std::string source = master->master_host;
    const bool source_exists =
        std::find(replica_pod_ips.begin(), replica_pod_ips.end(), source) != replica_pod_ips.end();
    const bool source_probed = source == replica_ip;
    if (!source_exists || (source_probed && replica && replica->role == "slave")) {
      return {RefillStep::kSourceGone,
              "the master was being refilled from replica " + source +
                  ", which is gone (a replica keeps nothing on disk); promoting the master with "
                  "the " +
                  Keys(master->keys) + " it has"};
    }
    if (!source_probed || !replica) {
      return {RefillStep::kWaitForSync,
              "refilling the master from replica " + source + ", which does not answer the probe"};
    }
    const std::string progress =
        "refilling the master from replica " + source + " (" + Keys(replica->keys) + "): ";
    if (master->master_link_status != "up" || master->master_sync_in_progress || master->loading) {
      return {RefillStep::kWaitForSync,
              progress + "the data is being transferred; writes are refused until it is done"};
    }
    if (!master->aof_enabled) {
      return {RefillStep::kEnableAof, progress + "the data is in; turning the AOF on"};
    }
    if (master->aof_rewrite_in_progress || master->aof_rewrite_scheduled) {
      return {RefillStep::kWaitForAof, progress + "writing the AOF"};
    }
    if (master->aof_last_bgrewrite_status == "err") {
      return {RefillStep::kRetryAof, progress + "the AOF rewrite failed; retrying it"};
    }
    if (master->slave_repl_offset.value_or(0) < replica->master_repl_offset) {
      return {RefillStep::kWaitForOffset, progress + "waiting for the last bytes of the stream"};
    }
    return {RefillStep::kPromote, "the master holds the replica's " + Keys(master->keys) +
                                      " and its AOF; putting the pair back in its roles"};
  }
  if (master->role != "master" || !replica || replica->role != "master") return {};
  if (master->keys == 0 && replica->keys > 0) {
    return {RefillStep::kRefillAgain, "the master is empty and the replica, detached, holds " +
                                          Keys(replica->keys) +
                                          "; refilling the master from it again"};
  }
  return {RefillStep::kRepoint, "the replica is detached and the master holds " +
                                    Keys(master->keys) + "; pointing the replica at it again"};
}

}  // namespace redispair
