// Replication lag as status shows it: a bucket, not a figure. Status is for people and changes
// only when something they would act on changes; the exact bytes change with every write and are
// the metric redispair_replication_lag_bytes (for graphs and alerts).
//
// Lag is the master's master_repl_offset minus the offset the replica last acknowledged:
//
//   InSync     lag <  8 MiB   A replica that keeps up acknowledges once a second, so it trails by
//                             about a second of writes; 8 MiB leaves room for 8 MB/s without the
//                             bucket flapping on every acknowledgement.
//   Behind     lag < 64 MiB   The replica falls behind; worth watching.
//   FarBehind  lag >= 64 MiB  Past Redis' default soft output-buffer limit for replicas (64 MB
//                             for 60 s, `client-output-buffer-limit replica`): if this lasts, the
//                             master drops the replica, which then needs a full resync.
#pragma once

#include <cstdint>

namespace redispair {

inline constexpr int64_t kLagBehindBytes = int64_t{8} << 20;
inline constexpr int64_t kLagFarBehindBytes = int64_t{64} << 20;

// The bucket's name for status.replication.lag ("InSync", "Behind", "FarBehind"). A negative lag
// (the two offsets read a moment apart) is InSync. Pure.
const char* LagBucket(int64_t lag_bytes);

}  // namespace redispair
