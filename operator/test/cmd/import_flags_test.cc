#include "cmd/import_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test_argv.h"

namespace redispair::cmd {
namespace {

StatusOr<ImportFlags> Parse(std::vector<std::string> args) {
  testing::TestArgv argv(std::move(args));
  return ParseImportFlags(argv.argc(), argv.argv());
}

TEST_CASE("FlagsDefaultToLocalRedis", "[flags]") {
  StatusOr<ImportFlags> f = Parse({"data.txt"});
  REQUIRE(f.ok());
  CHECK(f->input == "data.txt");
  CHECK(f->host == "127.0.0.1");
  CHECK(f->port == 6379);
  CHECK_FALSE(f->dry_run);
  CHECK(f->window == importer::SendOptions{}.max_in_flight_commands);
}

TEST_CASE("FlagsAcceptSeparateAndInlineValues", "[flags]") {
  StatusOr<ImportFlags> f =
      Parse({"--host", "redis.local", "--port=6380", "--window=100", "--dry-run", "-"});
  REQUIRE(f.ok());
  CHECK(f->host == "redis.local");
  CHECK(f->port == 6380);
  CHECK(f->window == 100);
  CHECK(f->dry_run);
  CHECK(f->input == "-");
  CHECK_FALSE(f->skip_imported);
  CHECK(Parse({"--skip-imported", "-"})->skip_imported);
}

TEST_CASE("BadFlagsAreUsageErrors", "[flags]") {
  CHECK_FALSE(Parse({}).ok());                          // no FILE
  CHECK_FALSE(Parse({"a.txt", "b.txt"}).ok());          // two files
  CHECK_FALSE(Parse({"--port", "0", "a.txt"}).ok());    // out of range
  CHECK_FALSE(Parse({"--port", "63x", "a.txt"}).ok());  // not a number
  CHECK_FALSE(Parse({"--window", "0", "a.txt"}).ok());  // empty window
  CHECK_FALSE(Parse({"--bogus", "a.txt"}).ok());        // unknown
  CHECK_FALSE(Parse({"a.txt", "--host"}).ok());         // missing value
  CHECK_FALSE(Parse({"--dry-run", "--emit-resp", "a"}).ok());
  CHECK(Parse({"--help"}).ok());
}

TEST_CASE("PasswordsAreRefusedOnTheCommandLine", "[flags]") {
  for (const char* flag : {"-a", "--pass", "--password", "--user"}) {
    StatusOr<ImportFlags> f = Parse({flag, "hunter2", "a.txt"});
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().message().find("REDISCLI_AUTH") != std::string::npos);
    CHECK(f.status().message().find("hunter2") == std::string::npos);
  }
}

TEST_CASE("PasswordComesFromFileThenEnvironment", "[flags]") {
  ::setenv("REDISCLI_AUTH", "from-env", 1);
  ImportFlags flags;
  CHECK(ReadPassword(flags).value() == "from-env");

  char path[] = "/tmp/importer-password-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "from file\r\n", 11) == 11);
  ::close(fd);
  flags.password_file = path;
  CHECK(ReadPassword(flags).value() == "from file");
  ::unlink(path);
  CHECK_FALSE(ReadPassword(flags).ok());

  ::unsetenv("REDISCLI_AUTH");
  CHECK(ReadPassword(ImportFlags{}).value().empty());
}

TEST_CASE("TheEnvironmentPasswordFollowsTheSameNewlineRuleAsTheSecret", "[flags]") {
  // A Secret made with --from-file reaches REDISCLI_AUTH with its file's last newline.
  ::setenv("REDISCLI_AUTH", "from-secret\n", 1);
  CHECK(ReadPassword(ImportFlags{}).value() == "from-secret");
  ::setenv("REDISCLI_AUTH", "two\nlines", 1);
  StatusOr<std::string> refused = ReadPassword(ImportFlags{});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("REDISCLI_AUTH: ") == 0);
  CHECK(refused.status().message().find("lines") == std::string::npos);
  ::unsetenv("REDISCLI_AUTH");
}

}  // namespace
}  // namespace redispair::cmd
