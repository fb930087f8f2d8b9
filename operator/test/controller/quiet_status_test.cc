// The pieces that keep status quiet: the lag bucket, the generation filter, the memory of the
// last write, and the separate backoff of refused applies.
#include <catch2/catch.hpp>

#include "controller/apply_backoff.h"
#include "controller/generation_filter.h"
#include "controller/lag_bucket.h"
#include "controller/status_memory.h"

namespace redispair {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("LagBucketsHaveDocumentedEdges", "[status]") {
  CHECK(std::string(LagBucket(-5)) == "InSync");
  CHECK(std::string(LagBucket(0)) == "InSync");
  CHECK(std::string(LagBucket(kLagBehindBytes - 1)) == "InSync");
  CHECK(std::string(LagBucket(kLagBehindBytes)) == "Behind");
  CHECK(std::string(LagBucket(kLagFarBehindBytes - 1)) == "Behind");
  CHECK(std::string(LagBucket(kLagFarBehindBytes)) == "FarBehind");
  // One second of acknowledgement delay at 1 MB/s stays in sync.
  CHECK(std::string(LagBucket(1'000'000)) == "InSync");
}

StoreChange Change(EventType type, int64_t generation, const std::string& rv) {
  return {type, "redis/redis",
          std::make_shared<const json>(
              json{{"metadata", {{"generation", generation}, {"resourceVersion", rv}}}})};
}

TEST_CASE("AStatusOnlyUpdateDoesNotPassTheGenerationFilter", "[controller]") {
  GenerationFilter f;
  CHECK(f.Admit(Change(EventType::kAdded, 1, "10")));
  CHECK_FALSE(f.Admit(Change(EventType::kModified, 1, "11")));  // our status write
  CHECK_FALSE(f.Admit(Change(EventType::kModified, 1, "12")));
  CHECK(f.Admit(Change(EventType::kModified, 2, "13")));  // a spec edit
  CHECK_FALSE(f.Admit(Change(EventType::kModified, 2, "14")));
  CHECK(f.Admit(Change(EventType::kDeleted, 2, "14")));
  // Re-created with the same name: a new object starts at generation 1 again.
  CHECK(f.Admit(Change(EventType::kModified, 1, "20")));
  CHECK(f.Admit(Change(EventType::kAdded, 1, "21")));
}

TEST_CASE("StatusMemoryCoversACacheThatHasNotSeenTheLastWrite", "[status]") {
  StatusMemory m;
  const json cached = {{"phase", "old"}};
  CHECK(m.Previous("k", "5", cached) == cached);
  m.Wrote("k", "5", {{"phase", "new"}});
  // The cache still holds version 5: the write is not in it yet.
  CHECK(m.Previous("k", "5", cached) == json{{"phase", "new"}});
  // Once the cache moved on, it is the truth again (it holds the write, or someone else's).
  CHECK(m.Previous("k", "6", {{"phase", "theirs"}}) == json{{"phase", "theirs"}});
  CHECK_FALSE(m.ReplicationWasHealthy("k", false));
  CHECK_FALSE(m.ReplicationWasHealthy("k", true));
  CHECK(m.ReplicationWasHealthy("k", false));
  m.Forget("k");
  CHECK_FALSE(m.ReplicationWasHealthy("k", false));
  CHECK(m.Previous("k", "5", cached) == cached);
}

TEST_CASE("ARefusedApplyIsHeldBackWithGrowingDelaysUntilTheDesiredObjectChanges", "[apply]") {
  ApplyBackoff b;
  const auto t0 = ApplyBackoff::Clock::time_point{} + 1h;
  std::string error;
  CHECK(b.MayApply("sts", 1, t0, &error));
  b.Refused("sts", 1, "Forbidden: volumeClaimTemplates", t0);
  CHECK_FALSE(b.MayApply("sts", 1, t0 + 4s, &error));
  CHECK(error == "Forbidden: volumeClaimTemplates");
  CHECK(b.MayApply("sts", 1, t0 + ApplyBackoff::kFirst, &error));
  b.Refused("sts", 1, "again", t0 + 5s);
  CHECK_FALSE(b.MayApply("sts", 1, t0 + 14s, &error));  // 10 s now
  CHECK(b.MayApply("sts", 1, t0 + 15s, &error));
  // A new desired object (a spec edit) is tried at once.
  CHECK(b.MayApply("sts", 2, t0 + 6s, &error));
  // The delay stops growing at kMax.
  for (int i = 0; i < 20; ++i) b.Refused("sts", 1, "e", t0);
  CHECK_FALSE(b.MayApply("sts", 1, t0 + ApplyBackoff::kMax - 1s, &error));
  CHECK(b.MayApply("sts", 1, t0 + ApplyBackoff::kMax, &error));
  // Other children are not affected, and a success forgets.
  CHECK(b.MayApply("svc", 1, t0, &error));
  b.Succeeded("sts");
  CHECK(b.MayApply("sts", 1, t0, &error));
}

}  // namespace
}  // namespace redispair
