#include "importer/importer.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_support.h"

namespace redispair::importer {
namespace {

using testing::ErrorReply;
using testing::FakeRedis;
using testing::OkReply;
using testing::TempFile;
using Cmd = std::vector<std::string>;

TEST_CASE("ValidationCountsCommandsAndSkipsBlankLines", "[importer]") {
  TempFile file("SET a b\n\n   \nINCR c\r\n");
  StatusOr<ValidationResult> v = ValidateInput(file.fd());
  REQUIRE(v.ok());
  CHECK(v->lines == 4);
  CHECK(v->commands == 2);
  CHECK(v->errors.empty());
  CHECK(v->sha256.size() == 64);
  CHECK_FALSE(v->uses_select);
}

TEST_CASE("ValidationListsEveryBadLineWithItsNumber", "[importer]") {
  TempFile file("SET a b\nSET a \"b\nok line\n3 INCR x\nquit\nSET 'x'y z\n");
  StatusOr<ValidationResult> v = ValidateInput(file.fd());
  REQUIRE(v.ok());
  CHECK(v->errors.count() == 4);
  REQUIRE(v->errors.listed().size() == 4);
  CHECK(v->errors.listed()[0] == "line 2, column 7: unbalanced double quote");
  CHECK(v->errors.listed()[1].starts_with("line 4: a leading number is a redis-cli repeat count"));
  CHECK(v->errors.listed()[2].starts_with("line 5: 'quit' is a redis-cli built-in"));
  CHECK(
      v->errors.listed()[3] ==
      "line 6, column 8: closing single quote must be followed by a space or the end of the line");
}

TEST_CASE("ValidationCapsTheListingButCountsAll", "[importer]") {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += "SET \"unterminated\n";
  TempFile file(content);
  StatusOr<ValidationResult> v = ValidateInput(file.fd());
  REQUIRE(v.ok());
  CHECK(v->errors.count() == 1000);
  CHECK(v->errors.listed().size() == ErrorList::kDefaultMaxListed);
  CHECK(v->errors.Format().ends_with("  ... and 980 more\n"));
}

TEST_CASE("ValidationNoticesSelect", "[importer]") {
  TempFile file("SELECT 2\nSET a b\n");
  CHECK(ValidateInput(file.fd())->uses_select);
}

TEST_CASE("SendDeliversExactArgumentsInOrder", "[importer]") {
  TempFile file("SET \"Hello\" \"World\"\n\nMSET 'Dev' Ops k2 \"v\\x002\"\n");
  FakeRedis redis;
  StatusOr<SendResult> r = SendInput(file.fd(), &redis, SendOptions{});
  REQUIRE(r.ok());
  CHECK(r->sent == 2);
  CHECK(r->ok == 2);
  CHECK(redis.commands == std::vector<Cmd>{{"SET", "Hello", "World"},
                                           {"MSET", "Dev", "Ops", "k2", std::string("v\0002", 3)}});
}

TEST_CASE("ErrorRepliesAreMappedToSourceLines", "[importer]") {
  // Blank lines in between make line numbers differ from command numbers.
  TempFile file("SET s v\n\nLPUSH s x\nSET t v\n\n\nBOGUS\nSET u v\n");
  FakeRedis redis([](const Cmd& argv) {
    if (argv[0] == "LPUSH") return ErrorReply("WRONGTYPE Operation against a key");
    if (argv[0] == "BOGUS") return ErrorReply("ERR unknown command 'BOGUS'");
    return OkReply();
  });
  SendOptions small;
  small.max_in_flight_commands = 2;  // errors must map correctly across window drains too
  StatusOr<SendResult> r = SendInput(file.fd(), &redis, small);
  REQUIRE(r.ok());
  CHECK(r->sent == 5);
  CHECK(r->ok == 3);
  REQUIRE(r->errors.count() == 2);
  CHECK(r->errors.listed()[0] == "line 3: WRONGTYPE Operation against a key");
  CHECK(r->errors.listed()[1] == "line 7: ERR unknown command 'BOGUS'");
}

TEST_CASE("PipelineWindowBoundsCommandsInFlight", "[importer]") {
  std::string content;
  for (int i = 0; i < 10000; ++i) content += "INCR c\n";
  TempFile file(content);
  FakeRedis redis;
  SendOptions options;
  options.max_in_flight_commands = 100;
  StatusOr<SendResult> r = SendInput(file.fd(), &redis, options);
  REQUIRE(r.ok());
  CHECK(r->sent == 10000);
  CHECK(redis.max_in_flight == 100);
}

TEST_CASE("PipelineWindowBoundsBytesInFlight", "[importer]") {
  std::string content;
  for (int i = 0; i < 50; ++i) content += "SET k " + std::string(10000, 'v') + "\n";
  TempFile file(content);
  FakeRedis redis;
  SendOptions options;
  options.max_in_flight_bytes = 50000;
  REQUIRE(SendInput(file.fd(), &redis, options).ok());
  CHECK(redis.max_in_flight <= 5);
}

TEST_CASE("LostConnectionSaysHowFarItGot", "[importer]") {
  std::string content;
  for (int i = 0; i < 100; ++i) content += "INCR c\n";
  TempFile file(content);
  FakeRedis redis;
  redis.fail_after_replies = 10;
  SendOptions options;
  options.max_in_flight_commands = 8;
  StatusOr<SendResult> r = SendInput(file.fd(), &redis, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kUnavailable);
  CHECK(r.status().message() ==
        "import stopped after 10 answered commands: fake: connection reset");
}

TEST_CASE("ProgressIsReportedAndEndsAtTheTotal", "[importer]") {
  std::string content;
  for (int i = 0; i < 10000; ++i) content += "INCR c\n";
  TempFile file(content);
  FakeRedis redis;
  std::vector<uint64_t> seen;
  REQUIRE(SendInput(file.fd(), &redis, SendOptions{}, [&](uint64_t n) { seen.push_back(n); }).ok());
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() == 10000);
}

TEST_CASE("EmitRespWritesEveryCommand", "[importer]") {
  TempFile in("SET a \"b c\"\n\nPING\n");
  TempFile out("");
  REQUIRE(EmitResp(in.fd(), out.fd()).ok());
  CHECK(out.ReadAll() == "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nb c\r\n*1\r\n$4\r\nPING\r\n");
}

}  // namespace
}  // namespace redispair::importer
