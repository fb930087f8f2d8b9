#include "controller/memory_budget.h"

#include <algorithm>

#include "controller/quantity.h"

namespace redispair {
namespace {

constexpr int64_t kMiB = 1024 * 1024;
// Each constant is one term of the formula in memory_budget.h.
constexpr int64_t kBacklogDivisor = 32;
constexpr int64_t kBacklogMin = 1 * kMiB;  // Redis's own default
constexpr int64_t kBacklogMax = 64 * kMiB;
constexpr int64_t kReplicaBufferDivisor = 16;
constexpr int64_t kReplicaBufferMin = 4 * kMiB;
constexpr int64_t kReplicaBufferMax = 256 * kMiB;  // Redis's own default hard limit
constexpr int64_t kReserve = 16 * kMiB;
// The data set and its copy-on-write copy, each with 10% fragmentation: 2 * 1.1, in tenths.
constexpr int64_t kForkFactorTenths = 22;

int64_t FloorMiB(int64_t bytes) { return bytes / kMiB * kMiB; }

}  // namespace

MemoryBudget ComputeMemoryBudget(int64_t limit_bytes, int64_t maxmemory_override,
                                 const std::string& policy) {
  MemoryBudget b;
  if (!policy.empty()) b.policy = policy;
  b.maxmemory = maxmemory_override > 0 ? maxmemory_override : 0;
  if (limit_bytes <= 0) return b;
  b.repl_backlog = FloorMiB(std::clamp(limit_bytes / kBacklogDivisor, kBacklogMin, kBacklogMax));
  b.replica_buffer_hard = FloorMiB(
      std::clamp(limit_bytes / kReplicaBufferDivisor, kReplicaBufferMin, kReplicaBufferMax));
  b.replica_buffer_soft = b.replica_buffer_hard / 2;
  if (maxmemory_override <= 0) {
    const int64_t room = limit_bytes - b.repl_backlog - b.replica_buffer_hard - kReserve;
    b.maxmemory = std::max(kMiB, FloorMiB(room * 10 / kForkFactorTenths));
  }
  return b;
}

int64_t QuantityBytes(const std::string& text) {
  const std::optional<long double> nanos = ParseQuantity(text);
  if (!nanos || *nanos <= 0) return 0;
  return static_cast<int64_t>(*nanos / 1e9L);
}

}  // namespace redispair
