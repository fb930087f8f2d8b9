#include "importer/digest.h"

#include <catch2/catch.hpp>

namespace redispair::importer {
namespace {

TEST_CASE("Sha256OfKnownVectors", "[digest]") {
  Sha256 empty;
  REQUIRE(empty.status().ok());
  CHECK(empty.FinishHex().value() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  Sha256 abc;
  abc.Update("a");
  abc.Update("bc");  // incremental updates give the same digest as one
  CHECK(abc.FinishHex().value() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Sha256FinishTwiceIsAnError", "[digest]") {
  Sha256 d;
  REQUIRE(d.FinishHex().ok());
  CHECK_FALSE(d.FinishHex().ok());
}

}  // namespace
}  // namespace redispair::importer
