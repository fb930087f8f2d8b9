// How much memory Redis may use for data inside a container's memory limit, and the buffers
// around it. Pure.
//
// A Redis process needs more than its data set. When it forks (BGREWRITEAOF, and every full sync
// of a replica), the child shares the parent's pages copy-on-write, and every page the parent
// writes meanwhile is copied: under a write load the copy approaches the whole data set. The
// master also holds an output buffer per replica (the writes made during a full sync) and the
// replication backlog. Without a bound, a data set near half the limit is OOM-killed by its first
// rewrite, reloads, forks again, and loops.
//
// The formula, for a memory limit L (all sizes rounded down to whole MiB):
//   repl-backlog-size                          B = L/32, within [1 MiB, 64 MiB]
//   client-output-buffer-limit replica (hard)  R = L/16, within [4 MiB, 256 MiB]; soft R/2 for 60 s
//   fixed reserve (process, clients, scripts)  F = 16 MiB
//   maxmemory                                  M = (L - B - R - F) / 2.2, at least 1 MiB
// 2.2 = the data set plus a full copy-on-write copy of it, each with 10% allocator
// fragmentation. For the default limit of 256 MiB: B = 8, R = 16, M = 98 MiB.
//
// The policy is noeviction by default: this is a data store, so a write past maxmemory gets
// Redis's OOM error rather than silently evicting someone's key.
#pragma once

#include <cstdint>
#include <string>

namespace redispair {

inline constexpr const char* kDefaultMaxmemoryPolicy = "noeviction";

struct MemoryBudget {
  int64_t maxmemory = 0;  // bytes; 0 leaves Redis unbounded (no memory limit to derive it from)
  std::string policy = kDefaultMaxmemoryPolicy;
  int64_t repl_backlog = 0;         // bytes; 0 keeps Redis's default
  int64_t replica_buffer_hard = 0;  // bytes; 0 keeps Redis's default
  int64_t replica_buffer_soft = 0;
};

// `limit_bytes`: the container's memory limit, 0 when it has none. `maxmemory_override`: the
// spec's maxmemory in bytes, 0 to derive it. `policy`: the spec's maxmemory-policy, empty for
// the default. With no limit, only an override bounds the data set.
MemoryBudget ComputeMemoryBudget(int64_t limit_bytes, int64_t maxmemory_override,
                                 const std::string& policy);

// A Kubernetes quantity ("256Mi", "1G", 268435456) in bytes, rounded down; 0 when `text` is empty
// or not a quantity.
int64_t QuantityBytes(const std::string& text);

}  // namespace redispair
