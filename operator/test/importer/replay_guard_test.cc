#include "importer/replay_guard.h"

#include <catch2/catch.hpp>

#include "test_support.h"

namespace redispair::importer {
namespace {

using testing::FakeRedis;
using Cmd = std::vector<std::string>;

TEST_CASE("PreviousImportIsLookedUpByDigest", "[guard]") {
  FakeRedis redis([](const Cmd& argv) {
    if (argv[2] == "seen") return Reply{Reply::Type::kString, "2024-01-01T00:00:00Z lines=1", 0};
    return Reply{Reply::Type::kNil, "", 0};
  });
  CHECK(FindPreviousImport(&redis, "seen").value() ==
        std::optional<std::string>("2024-01-01T00:00:00Z lines=1"));
  CHECK(FindPreviousImport(&redis, "new").value() == std::nullopt);
  CHECK(redis.commands[0] == Cmd{"HGET", "redispair:imports", "seen"});
}

TEST_CASE("GuardKeyOfTheWrongTypeIsAnError", "[guard]") {
  FakeRedis redis([](const Cmd&) { return testing::ErrorReply("WRONGTYPE x"); });
  CHECK_FALSE(FindPreviousImport(&redis, "d").ok());
}

TEST_CASE("ImportIsRecordedInTheHash", "[guard]") {
  FakeRedis redis;
  REQUIRE(RecordImport(&redis, "abc", "rec").ok());
  CHECK(redis.commands[0] == Cmd{"HSET", "redispair:imports", "abc", "rec"});
}

TEST_CASE("RecordIsIsoTimeAndCounts", "[guard]") {
  auto when = std::chrono::system_clock::from_time_t(1700000000);
  CHECK(FormatImportRecord(when, 10, 9, 1) == "2023-11-14T22:13:20Z lines=10 commands=9 errors=1");
}

TEST_CASE("RefusalTellsHowToInspectAndClear", "[guard]") {
  std::string msg = RefusalMessage("abc", "rec");
  CHECK(msg.find("--force") != std::string::npos);
  CHECK(msg.find("HGETALL redispair:imports") != std::string::npos);
  CHECK(msg.find("DEL redispair:imports") != std::string::npos);
}

}  // namespace
}  // namespace redispair::importer
