#include "informer/backoff.h"

#include <catch2/catch.hpp>

namespace redispair {

using std::chrono::milliseconds;

TEST_CASE("BackoffDoublesWithJitterUpToTheCap") {
  JitteredBackoff b(milliseconds(800), milliseconds(30000), 1.0);
  milliseconds base(800);
  for (int i = 0; i < 10; ++i) {
    const milliseconds d = b.Next();
    CHECK(d >= base);
    CHECK(d < base * 2);
    base = std::min(base * 2, milliseconds(30000));
  }
}

TEST_CASE("BackoffResetStartsOver") {
  JitteredBackoff b(milliseconds(800), milliseconds(30000), 0.0);
  b.Next();
  b.Next();
  b.Reset();
  CHECK(b.Next() == milliseconds(800));
}

}  // namespace redispair
