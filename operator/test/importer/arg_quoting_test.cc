#include "importer/arg_quoting.h"

#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "importer/command_parser.h"

namespace redispair::importer {
namespace {

TEST_CASE("QuoteArgEscapesLikeSdscatrepr", "[quoting]") {
  CHECK(QuoteArg("") == R"("")");
  CHECK(QuoteArg("plain") == R"("plain")");
  CHECK(QuoteArg("a\"b\\c") == R"("a\"b\\c")");
  CHECK(QuoteArg("\n\r\t\a\b") == R"("\n\r\t\a\b")");
  CHECK(QuoteArg(std::string("\0\x7f\xff", 3)) == R"("\x00\x7f\xff")");
}

TEST_CASE("NeedsQuotingOnlyWhenBareWouldMisparse", "[quoting]") {
  CHECK_FALSE(NeedsQuoting("user:1000"));
  CHECK(NeedsQuoting(""));
  CHECK(NeedsQuoting("a b"));
  CHECK(NeedsQuoting("it's"));
  CHECK(NeedsQuoting("a\"b"));
  CHECK(NeedsQuoting("a\\b"));
  CHECK(NeedsQuoting("a\vb"));
  CHECK(NeedsQuoting("caf\xc3\xa9"));
}

TEST_CASE("FormatCommandQuotesWhatNeedsIt", "[quoting]") {
  CHECK(FormatCommand(Argv{"SET", "k", "hello world", ""}) == R"(SET k "hello world" "")");
}

TEST_CASE("FormatThenParseRoundTripsRandomArguments", "[quoting]") {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 12), count(1, 6);
  for (int iter = 0; iter < 5000; ++iter) {
    Argv argv;
    int n = count(rng);
    for (int i = 0; i < n; ++i) {
      std::string arg;
      int l = len(rng);
      for (int j = 0; j < l; ++j) arg.push_back(static_cast<char>(byte(rng)));
      argv.PushBack(arg);
    }
    std::string line = FormatCommand(argv);
    Argv back;
    REQUIRE(ParseLine(line, &back).ok());
    REQUIRE(back.ToVector() == argv.ToVector());
  }
}

}  // namespace
}  // namespace redispair::importer
