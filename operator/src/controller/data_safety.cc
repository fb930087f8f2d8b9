#include "controller/data_safety.h"

#include <algorithm>
#include <set>

#include "controller/names.h"
#include "controller/replication_probe.h"
#include "controller/status.h"
#include "util/json_fields.h"
#include "util/log.h"
#include "util/password.h"

namespace redispair {
namespace {

using nlohmann::json;

// Sends commands to the two servers as the operator, keeping the first failure.
class Sender {
 public:
  Sender(ReplicationProber* prober, const RedisPair& rp, const DataSafetyInputs& in)
      : prober_(prober), rp_(rp), in_(in) {}

  bool ToMaster(const std::vector<std::string>& argv) {
    return Send(in_.observed->master.pod_ip, names::kRoleMaster, argv);
  }
  bool ToReplica(const std::vector<std::string>& argv) {
    return Send(in_.observed->replica.pod_ip, names::kRoleReplica, argv);
  }
  Status error() const { return error_; }

 private:
  bool Send(const std::string& ip, const char* role, const std::vector<std::string>& argv) {
    if (prober_ == nullptr || ip.empty()) return false;
    StatusOr<std::string> reply =
        prober_->Command(ip, names::kRedisPort, in_.auth->operator_password, argv);
    if (!reply.ok()) {
      if (error_.ok()) error_ = reply.status().WithContext(role);
      return false;
    }
    // argv[0] and [1] only: the rest may be password digests.
    LogInfo("sent to redis", {{"redispair", KeyOf(rp_)},
                              {"role", role},
                              {"command", argv[0] + (argv.size() > 1 ? " " + argv[1] : "")}});
    return true;
  }

  ReplicationProber* prober_;
  const RedisPair& rp_;
  const DataSafetyInputs& in_;
  Status error_;
};

events::Event Normal(const char* reason, const char* action, std::string note) {
  return {events::Type::kNormal, reason, action, std::move(note)};
}
events::Event Warning(const char* reason, const char* action, std::string note) {
  return {events::Type::kWarning, reason, action, std::move(note)};
}

std::string StoredReason(const RedisPair& rp, const char* type) {
  const json* c = FindCondition(rp.status, type);
  return c != nullptr ? StringField(*c, "reason") : "";
}

// Step of a refill: the commands it calls for, and what is said when they worked.
void CarryOut(const RefillDecision& d, const RedisPair& rp, const DataSafetyInputs& in,
              Sender* send, std::vector<events::Event>* events) {
  const std::string master_dns = names::MasterDns(rp);
  const std::string port = std::to_string(names::kRedisPort);
  switch (d.step) {
    case RefillStep::kEnableAof:
      send->ToMaster({"CONFIG", "SET", "appendonly", "yes"});
      break;
    case RefillStep::kRetryAof:
      send->ToMaster({"BGREWRITEAOF"});
      break;
    case RefillStep::kPromote:
      if (send->ToMaster({"REPLICAOF", "NO", "ONE"}) &&
          send->ToReplica({"REPLICAOF", master_dns, port})) {
        events->push_back(Normal(kEventDataRecovered, kActionRefill,
                                 "the master's new volume was refilled from the replica: " +
                                     std::to_string(in.observed->replication.master->keys) +
                                     " keys; master and replica are back in their roles"));
      }
      break;
    case RefillStep::kSourceGone:
      if (send->ToMaster({"REPLICAOF", "NO", "ONE"}) &&
          send->ToMaster({"CONFIG", "SET", "appendonly", "yes"})) {
        events->push_back(Warning(kEventRefillSourceGone, kActionRefill, d.message));
      }
      break;
    case RefillStep::kRefillAgain:
      if (send->ToMaster({"REPLICAOF", in.observed->replica.pod_ip, port})) {
        events->push_back(Warning(kEventMasterDataLost, kActionRefill, d.message));
      }
      break;
    case RefillStep::kRepoint:
      if (send->ToReplica({"REPLICAOF", master_dns, port})) {
        events->push_back(Normal(kEventReplicaRepointed, kActionRefill, d.message));
      }
      break;
    default:
      break;
  }
  if (d.step != RefillStep::kNone) {
    LogInfo("data safety", {{"redispair", KeyOf(rp)}, {"state", d.message}});
  }
}

// The clients' password, applied at runtime where a server does not accept exactly it and the
// operator's (launcher.h). The digests are compared, so no password leaves the operator.
void ApplyPassword(const RedisPair& rp, const DataSafetyInputs& in, Sender* send,
                   std::vector<events::Event>* events) {
  const AuthState& auth = *in.auth;
  if (!rp.spec.auth_enabled || auth.password.empty() || auth.operator_password.empty()) return;
  const std::string client = Sha256Hex(auth.password);
  const std::string own = Sha256Hex(auth.operator_password);
  const std::set<std::string> desired = {client, own};
  const std::vector<std::string> argv = {"ACL",       "SETUSER",    "default",
                                         "resetpass", "#" + client, "#" + own};
  std::vector<std::string> applied;
  const ReplicationObservation& r = in.observed->replication;
  auto stale = [&desired](const std::optional<ReplicationInfo>& info) {
    if (!info || !info->password_hashes) return false;
    const std::set<std::string> has(info->password_hashes->begin(), info->password_hashes->end());
    return has != desired;
  };
  if (stale(r.master) && send->ToMaster(argv)) applied.push_back(names::kRoleMaster);
  if (stale(r.replica) && send->ToReplica(argv)) applied.push_back(names::kRoleReplica);
  if (applied.empty()) return;
  std::string where = applied[0];
  if (applied.size() > 1) where += " and the " + applied[1];
  events->push_back(Normal(kEventPasswordApplied, kActionApplyPassword,
                           "applied the password of Secret " + rp.namespace_ + "/" +
                               names::AuthSecret(rp) + " to the " + where +
                               " at runtime (no restart; open connections stay authenticated)"));
}

}  // namespace

DataSafetyResult SecureData(ReplicationProber* prober, const RedisPair& rp,
                            const DataSafetyInputs& in) {
  DataSafetyResult result;
  const ReplicationObservation& r = in.observed->replication;
  Sender send(prober, rp, in);
  result.refill =
      DecideRefill(r.master, r.replica, in.observed->replica.pod_ip, in.replica_pod_ips);
  CarryOut(result.refill, rp, in, &send, &result.events);

  const json* stored_condition = FindCondition(rp.status, kCondMasterDataLost);
  result.judgement = JudgeData(EvidenceFromStatus(rp.status), stored_condition, in.master_claim_uid,
                               r.master, result.refill, in.now);
  const std::string before = StoredReason(rp, kCondMasterDataLost);
  if (const auto& c = result.judgement.condition; c && c->reason != before) {
    if (c->reason == kReasonRefilling) {
      result.events.push_back(Warning(kEventMasterDataLost, kActionRefill, c->message));
    } else if (c->reason == kReasonDataGone) {
      result.events.push_back(Warning(kEventMasterDataGone, kActionRefill, c->message));
    }
    LogInfo("master data",
            {{"redispair", KeyOf(rp)}, {"reason", c->reason}, {"message", c->message}});
  }

  // Not while a refill is under way: the roles are not where the password step expects them.
  if (result.refill.step == RefillStep::kNone) ApplyPassword(rp, in, &send, &result.events);
  result.error = send.error();
  return result;
}

std::vector<events::Event> AuthEvents(const RedisPair& rp, const AuthState& auth) {
  if (auth.error.empty() || StoredReason(rp, kCondReady) == auth.error_reason) return {};
  return {{events::Type::kWarning, auth.error_reason, kActionReadSecret, auth.error}};
}

}  // namespace redispair
