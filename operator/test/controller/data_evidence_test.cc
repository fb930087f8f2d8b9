#include "controller/data_evidence.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

using nlohmann::json;

constexpr const char kT0[] = "2026-01-01T00:00:00Z";

ReplicationInfo Master(int64_t keys) {
  ReplicationInfo m;
  m.role = "master";
  m.master_replid = "replid-new";
  m.master_repl_offset = 1234;
  m.keys = keys;
  return m;
}

DataEvidence Stored(const std::string& claim, int64_t keys) {
  return DataEvidence{claim, "replid-old", 999, keys, kT0};
}

json Condition(const std::string& status, const std::string& reason) {
  return {{"type", kCondMasterDataLost}, {"status", status}, {"reason", reason}, {"message", "m"}};
}

TEST_CASE("ANewPairIsRecordedAndSaysNoLoss", "[evidence]") {
  const DataJudgement j = JudgeData(std::nullopt, nullptr, "claim-a", Master(0), {}, kT0);
  REQUIRE(j.condition);
  CHECK(j.condition->status == "False");
  CHECK(j.condition->reason == kReasonNoDataLoss);
  REQUIRE(j.evidence);
  CHECK(*j.evidence == DataEvidence{"claim-a", "replid-new", 1234, 0, kT0});
}

TEST_CASE("AReplacedVolumeThatWasRefilledIsRecovered", "[evidence]") {
  const DataJudgement j =
      JudgeData(Stored("claim-a", 10000), nullptr, "claim-b", Master(10000), {}, kT0);
  CHECK(j.condition->status == "False");
  CHECK(j.condition->reason == kReasonRecovered);
  CHECK(j.condition->message.find("claim-a -> claim-b") != std::string::npos);
  CHECK(j.evidence->claim_uid == "claim-b");
}

TEST_CASE("AReplacedVolumeWithNothingToRefillFromSaysTheDataIsGone", "[evidence]") {
  const DataJudgement j =
      JudgeData(Stored("claim-a", 10000), nullptr, "claim-b", Master(0), {}, kT0);
  CHECK(j.condition->status == "True");
  CHECK(j.condition->reason == kReasonDataGone);
  CHECK(j.condition->message.find("10000 keys recorded at 2026-01-01T00:00:00Z") !=
        std::string::npos);
  CHECK(j.condition->message.find("replid-old") != std::string::npos);
  CHECK(j.evidence->keys == 0);
  // The next pass sees the same claim: the fact stays.
  const json stored_condition = Condition("True", kReasonDataGone);
  const DataJudgement later =
      JudgeData(*j.evidence, &stored_condition, "claim-b", Master(0), {}, "2026-01-01T00:00:30Z");
  CHECK(later.condition->reason == kReasonDataGone);
  CHECK_FALSE(later.evidence);
}

TEST_CASE("AReplacedVolumeOfAnEmptyPairLostNothing", "[evidence]") {
  const DataJudgement j = JudgeData(Stored("claim-a", 0), nullptr, "claim-b", Master(0), {}, kT0);
  CHECK(j.condition->reason == kReasonNoDataLoss);
  CHECK(j.condition->status == "False");
}

TEST_CASE("WhileRefillingTheConditionIsTrueAndTheEvidenceStays", "[evidence]") {
  ReplicationInfo refilling = Master(10);
  refilling.role = "slave";
  for (RefillStep step : {RefillStep::kWaitForSync, RefillStep::kEnableAof, RefillStep::kPromote,
                          RefillStep::kSourceGone}) {
    const DataJudgement j = JudgeData(Stored("claim-a", 10000), nullptr, "claim-b", refilling,
                                      {step, "refilling ..."}, kT0);
    CHECK(j.condition->status == "True");
    CHECK(j.condition->reason == kReasonRefilling);
    CHECK(j.condition->message == "refilling ...");
    CHECK_FALSE(j.evidence);
  }
}

TEST_CASE("UnknownMasterKeepsEverythingAsStored", "[evidence]") {
  const DataJudgement j =
      JudgeData(Stored("claim-a", 5), nullptr, "claim-a", std::nullopt, {}, kT0);
  CHECK_FALSE(j.condition);
  CHECK_FALSE(j.evidence);
  CHECK_FALSE(JudgeData(Stored("claim-a", 5), nullptr, "", Master(5), {}, kT0).evidence);
}

TEST_CASE("EvidenceIsRefreshedRarelyToKeepTheStatusQuiet", "[evidence]") {
  const json ok = Condition("False", kReasonNoDataLoss);
  // Offsets and counts move all the time; within the refresh period nothing is written...
  CHECK_FALSE(JudgeData(Stored("claim-a", 5), &ok, "claim-a", Master(7), {}, "2026-01-01T00:04:59Z")
                  .evidence);
  // ...after it, once...
  CHECK(JudgeData(Stored("claim-a", 5), &ok, "claim-a", Master(7), {}, "2026-01-01T00:05:00Z")
            .evidence);
  // ...and at once when the pair goes from empty to holding data or back.
  CHECK(JudgeData(Stored("claim-a", 0), &ok, "claim-a", Master(7), {}, "2026-01-01T00:00:01Z")
            .evidence);
  CHECK(JudgeData(Stored("claim-a", 7), &ok, "claim-a", Master(0), {}, "2026-01-01T00:00:01Z")
            .evidence);
}

TEST_CASE("EvidenceRoundTripsThroughStatus", "[evidence]") {
  const DataEvidence e{"claim-a", "replid", 42, 7, kT0};
  const json status = {{"data", EvidenceToJson(e)}};
  CHECK(EvidenceFromStatus(status) == e);
  CHECK_FALSE(EvidenceFromStatus(json::object()));
}

}  // namespace
}  // namespace redispair
