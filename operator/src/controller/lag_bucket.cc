#include "controller/lag_bucket.h"

namespace redispair {

const char* LagBucket(int64_t lag_bytes) {
  if (lag_bytes < kLagBehindBytes) return "InSync";
  if (lag_bytes < kLagFarBehindBytes) return "Behind";
  return "FarBehind";
}

}  // namespace redispair
