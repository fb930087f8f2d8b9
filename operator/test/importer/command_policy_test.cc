#include "importer/command_policy.h"

#include <catch2/catch.hpp>

namespace redispair::importer {
namespace {

TEST_CASE("OrdinaryCommandsAreImportable", "[policy]") {
  CHECK(CheckImportable(Argv{"SET", "k", "v"}).ok());
  CHECK(CheckImportable(Argv{"INCR", "3"}).ok());
  CHECK(CheckImportable(Argv{"3"}).ok());  // alone, redis-cli sends it (an unknown command)
  CHECK(CheckImportable(Argv{"CLIENT", "SETNAME", "x"}).ok());
  CHECK(CheckImportable(Argv{"connect", "x"}).ok());
}

TEST_CASE("LeadingNumberIsARepeatCount", "[policy]") {
  CHECK_FALSE(CheckImportable(Argv{"3", "INCR", "k"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"-1", "INCR", "k"}).ok());
  CHECK_FALSE(CheckImportable(Argv{" +7", "INCR", "k"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"", "INCR", "k"}).ok());  // strtol("") consumes everything
  CHECK(CheckImportable(Argv{"3x", "INCR", "k"}).ok());
}

TEST_CASE("RedisCliBuiltinsAreRejected", "[policy]") {
  CHECK_FALSE(CheckImportable(Argv{"quit"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"EXIT"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"help", "SET"}).ok());
  CHECK_FALSE(CheckImportable(Argv{":set", "hints"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"connect", "h", "1"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"clear"}).ok());
}

TEST_CASE("ConnectionStateCommandsAreRejected", "[policy]") {
  CHECK_FALSE(CheckImportable(Argv{"SUBSCRIBE", "ch"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"monitor"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"RESET"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"HELLO", "3"}).ok());
  CHECK_FALSE(CheckImportable(Argv{"client", "REPLY", "OFF"}).ok());
}

TEST_CASE("SelectIsRecognised", "[policy]") {
  CHECK(IsSelect(Argv{"select", "1"}));
  CHECK_FALSE(IsSelect(Argv{"SET", "select"}));
}

}  // namespace
}  // namespace redispair::importer
