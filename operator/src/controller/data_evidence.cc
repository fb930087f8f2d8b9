#include "controller/data_evidence.h"

#include <ctime>

#include "util/json_fields.h"

namespace redispair {
namespace {

using nlohmann::json;

int64_t IntField(const json& object, const char* key) {
  const json& v = Field(object, key);
  return v.is_number_integer() ? v.get<int64_t>() : 0;
}

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ"; nullopt for anything else.
std::optional<int64_t> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(text.size())) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

bool RefreshDue(const std::string& recorded_at, const std::string& now) {
  const std::optional<int64_t> then = ParseRfc3339(recorded_at);
  const std::optional<int64_t> current = ParseRfc3339(now);
  if (!then || !current) return true;
  return *current - *then >= std::chrono::seconds(kEvidenceRefresh).count();
}

std::string Keys(int64_t n) { return std::to_string(n) + (n == 1 ? " key" : " keys"); }

std::string Recorded(const DataEvidence& e) {
  return Keys(e.keys) + " recorded at " + e.recorded_at + " (replication ID " +
         (e.replication_id.empty() ? std::string("unknown") : e.replication_id) + ", offset " +
         std::to_string(e.offset) + ")";
}

}  // namespace

std::optional<DataEvidence> EvidenceFromStatus(const json& status) {
  const json& data = Field(status, "data");
  if (!data.is_object() || StringField(data, "masterClaimUID").empty()) return std::nullopt;
  DataEvidence e;
  e.claim_uid = StringField(data, "masterClaimUID");
  e.replication_id = StringField(data, "replicationID");
  e.offset = IntField(data, "replicationOffset");
  e.keys = IntField(data, "keys");
  e.recorded_at = StringField(data, "recordedAt");
  return e;
}

json EvidenceToJson(const DataEvidence& e) {
  json out = {{"masterClaimUID", e.claim_uid},
              {"replicationOffset", e.offset},
              {"keys", e.keys},
              {"recordedAt", e.recorded_at}};
  if (!e.replication_id.empty()) out["replicationID"] = e.replication_id;
  return out;
}

DataJudgement JudgeData(const std::optional<DataEvidence>& stored, const json* stored_condition,
                        const std::string& claim_uid, const std::optional<ReplicationInfo>& master,
                        const RefillDecision& refill, const std::string& now) {
  DataJudgement j;
  // Until the pair is back in its roles, the stored evidence still describes the lost volume.
  if (IsRefilling(refill.step) || refill.step == RefillStep::kPromote ||
      refill.step == RefillStep::kSourceGone) {
    j.condition = DataCondition{"True", kReasonRefilling, refill.message};
    return j;
  }
  if (!master || master->role != "master" || claim_uid.empty()) return j;
  const DataEvidence fresh{claim_uid, master->master_replid, master->master_repl_offset,
                           master->keys, now};
  if (!stored) {
    j.condition = DataCondition{"False", kReasonNoDataLoss,
                                "no loss of data seen since the first record of the master's "
                                "data (claim " +
                                    claim_uid + ")"};
    j.evidence = fresh;
    return j;
  }
  if (stored->claim_uid != claim_uid) {
    const std::string replaced =
        "the master's volume was replaced (claim " + stored->claim_uid + " -> " + claim_uid + ")";
    if (master->keys > 0) {
      j.condition = DataCondition{"False", kReasonRecovered,
                                  replaced + " and refilled from the replica: it holds " +
                                      Keys(master->keys) + "; " + Recorded(*stored) + " before"};
    } else if (stored->keys > 0) {
      j.condition = DataCondition{
          "True", kReasonDataGone,
          replaced + " and no replica held the data: the " + Recorded(*stored) + " are gone"};
    } else {
      j.condition =
          DataCondition{"False", kReasonNoDataLoss, replaced + " while the pair held no data"};
    }
    j.evidence = fresh;
    return j;
  }
  // The same volume: Recovered and DataGone stay, they are facts about it.
  const std::string stored_reason =
      stored_condition != nullptr ? StringField(*stored_condition, "reason") : "";
  if (stored_reason.empty() || stored_reason == kReasonRefilling) {
    j.condition =
        DataCondition{"False", kReasonNoDataLoss,
                      "no loss of data seen (the master's data is on claim " + claim_uid + ")"};
  } else {
    j.condition = DataCondition{StringField(*stored_condition, "status"), stored_reason,
                                StringField(*stored_condition, "message")};
  }
  if ((stored->keys == 0) != (master->keys == 0) || RefreshDue(stored->recorded_at, now)) {
    j.evidence = fresh;
  }
  return j;
}

}  // namespace redispair
