#include "cmd/flags.h"

#include <catch2/catch.hpp>

#include "test_argv.h"

namespace redispair::cmd {
namespace {

using testing::TestArgv;

// A FlagSet with one flag of each kind, and the values it sets.
struct Parsed {
  bool force = false;
  std::string host = "default";
  int port = 0;
  size_t window = 0;
  std::vector<std::string> files;
  Status status;
  bool help = false;
};

Parsed Parse(std::vector<std::string> args, bool positional = true) {
  Parsed p;
  FlagSet set;
  set.Bool({"--force", "-F"}, &p.force);
  set.String({"--host"}, &p.host, /*allow_empty=*/false);
  set.Int({"--port", "-p"}, 1, 65535, &p.port);
  set.Int({"--window"}, size_t{1}, size_t{1} << 24, &p.window);
  set.Refuse({"--password"}, "set REDISCLI_AUTH instead");
  if (positional) set.Positional(&p.files);
  TestArgv argv(std::move(args));
  p.status = set.Parse(argv.argc(), argv.argv());
  p.help = set.help();
  return p;
}

TEST_CASE("FlagsTakeSeparateOrInlineValues", "[flags]") {
  Parsed p = Parse({"--host", "a", "--port=6380", "-p", "7000", "--window=3", "-F", "x", "-"});
  REQUIRE(p.status.ok());
  CHECK(p.host == "a");
  CHECK(p.port == 7000);  // the last one wins
  CHECK(p.window == 3);
  CHECK(p.force);
  CHECK(p.files == std::vector<std::string>{"x", "-"});
}

TEST_CASE("FlagsLeftOutKeepTheirDefaults", "[flags]") {
  Parsed p = Parse({});
  REQUIRE(p.status.ok());
  CHECK(p.host == "default");
  CHECK_FALSE(p.force);
  CHECK(p.files.empty());
}

TEST_CASE("IntegersAreCheckedAgainstTheirRange", "[flags]") {
  for (const char* bad : {"0", "65536", "-1", "12x", "", " 1", "99999999999999999999"}) {
    CAPTURE(bad);
    Parsed p = Parse({"--port", bad});
    CHECK(p.status.code() == Status::Code::kInvalidArgument);
    CHECK(p.status.message() ==
          "--port must be an integer from 1 to 65535, not \"" + std::string(bad) + "\"");
  }
  CHECK(Parse({"--port=65535"}).status.ok());
  CHECK(Parse({"--window", "16777216"}).status.ok());
  CHECK_FALSE(Parse({"--window", "16777217"}).status.ok());
}

TEST_CASE("UsageErrorsNameTheFlag", "[flags]") {
  CHECK(Parse({"--bogus"}).status.message() == "unknown flag --bogus");
  CHECK(Parse({"--bogus=1"}).status.message() == "unknown flag --bogus");
  CHECK(Parse({"--host"}).status.message() == "--host needs a value");
  CHECK(Parse({"--host="}).status.message() == "--host needs a value");
  CHECK(Parse({"--force=yes"}).status.message() == "--force takes no value");
  CHECK(Parse({"stray"}, /*positional=*/false).status.message() == "unexpected argument \"stray\"");
}

TEST_CASE("RefusedFlagsNeverEchoTheirValue", "[flags]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--password", "hunter2"}, {"--password=hunter2"}}) {
    Parsed p = Parse(args);
    CHECK(p.status.message() == "--password: set REDISCLI_AUTH instead");
  }
}

TEST_CASE("HelpAnywhereWinsOverEverythingElse", "[flags]") {
  Parsed p = Parse({"--bogus", "--port", "0", "-h"});
  CHECK(p.status.ok());
  CHECK(p.help);
  CHECK(Parse({"--help"}).help);
  CHECK_FALSE(Parse({"--host", "h"}).help);
}

TEST_CASE("UsageErrorsExitWithTwoHelpWithZeroAndTheRestGoesOn", "[flags]") {
  CHECK(ExitForUsage(Status::InvalidArgument("unknown flag --x"), false, "test", "") == 2);
  CHECK(ExitForUsage(Status::Ok(), true, "test", "") == 0);
  CHECK_FALSE(ExitForUsage(Status::Ok(), false, "test", "").has_value());
}

}  // namespace
}  // namespace redispair::cmd
