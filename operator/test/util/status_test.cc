#include "util/status.h"

#include <catch2/catch.hpp>

namespace redispair {

TEST_CASE("OkStatusHasNoMessage") {
  Status s;
  CHECK(s.ok());
  CHECK(s.ToString() == "OK");
}

TEST_CASE("WithContextPrefixesTheMessageAndKeepsTheCode") {
  Status s = Status::Unavailable("connection refused").WithContext("GET /api");
  CHECK(s.code() == Status::Code::kUnavailable);
  CHECK(s.ToString() == "Unavailable: GET /api: connection refused");
}

TEST_CASE("StatusOrHoldsValueOrError") {
  StatusOr<int> v = 42;
  REQUIRE(v.ok());
  CHECK(*v == 42);
  StatusOr<int> e = Status::NotFound("nope");
  CHECK_FALSE(e.ok());
  CHECK(e.status().IsNotFound());
}

}  // namespace redispair
