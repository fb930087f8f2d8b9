#include "controller/memory_budget.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

TEST_CASE("TheDefaultLimitLeavesRoomForAForkAndTheReplicationBuffers", "[memory]") {
  const MemoryBudget b = ComputeMemoryBudget(256 * kMiB, 0, "");
  CHECK(b.repl_backlog == 8 * kMiB);
  CHECK(b.replica_buffer_hard == 16 * kMiB);
  CHECK(b.replica_buffer_soft == 8 * kMiB);
  CHECK(b.maxmemory == 98 * kMiB);
  CHECK(b.policy == "noeviction");
  // The whole budget fits the limit even if a fork copies every page of a full data set.
  const double worst = 2.2 * static_cast<double>(b.maxmemory) +
                       static_cast<double>(b.repl_backlog) +
                       static_cast<double>(b.replica_buffer_hard) + 16.0 * kMiB;
  CHECK(worst <= 256.0 * kMiB);
}

TEST_CASE("BuffersScaleWithTheLimitWithinBounds", "[memory]") {
  CHECK(ComputeMemoryBudget(1024 * kMiB, 0, "").maxmemory == 414 * kMiB);
  const MemoryBudget big = ComputeMemoryBudget(16384 * kMiB, 0, "");
  CHECK(big.repl_backlog == 64 * kMiB);          // capped
  CHECK(big.replica_buffer_hard == 256 * kMiB);  // Redis's own default, not more
  const MemoryBudget tiny = ComputeMemoryBudget(16 * kMiB, 0, "");
  CHECK(tiny.repl_backlog == 1 * kMiB);
  CHECK(tiny.replica_buffer_hard == 4 * kMiB);
  CHECK(tiny.maxmemory == 1 * kMiB);  // never 0, which would mean "unbounded"
}

TEST_CASE("TheSpecOverridesMaxmemoryAndPolicyButNotTheBuffers", "[memory]") {
  const MemoryBudget b = ComputeMemoryBudget(256 * kMiB, 50 * kMiB, "allkeys-lru");
  CHECK(b.maxmemory == 50 * kMiB);
  CHECK(b.policy == "allkeys-lru");
  CHECK(b.repl_backlog == 8 * kMiB);
}

TEST_CASE("WithoutALimitOnlyAnOverrideBoundsTheDataSet", "[memory]") {
  const MemoryBudget none = ComputeMemoryBudget(0, 0, "");
  CHECK(none.maxmemory == 0);
  CHECK(none.repl_backlog == 0);
  CHECK(none.replica_buffer_hard == 0);
  CHECK(ComputeMemoryBudget(0, 10 * kMiB, "").maxmemory == 10 * kMiB);
}

TEST_CASE("QuantitiesAreReadInBytes", "[memory]") {
  CHECK(QuantityBytes("256Mi") == 256 * kMiB);
  CHECK(QuantityBytes("1G") == 1000000000);
  CHECK(QuantityBytes("268435456") == 256 * kMiB);
  CHECK(QuantityBytes("") == 0);
  CHECK(QuantityBytes("lots") == 0);
}

}  // namespace
}  // namespace redispair
