#include "importer/command_parser.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace redispair::importer {
namespace {

using Args = std::vector<std::string>;

Args Parse(std::string_view line) {
  Argv argv;
  Status s = ParseLine(line, &argv);
  INFO("line: " << line << " status: " << s.ToString());
  REQUIRE(s.ok());
  return argv.ToVector();
}

std::string ParseError(std::string_view line) {
  Argv argv;
  Status s = ParseLine(line, &argv);
  INFO("line: " << line);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

TEST_CASE("BareWordsSplitOnWhitespace", "[parser]") {
  CHECK(Parse("SET Hello World") == Args{"SET", "Hello", "World"});
  CHECK(Parse("  SET\tk \t v  ") == Args{"SET", "k", "v"});
}

TEST_CASE("QuotesAreNotStoredInArguments", "[parser]") {
  // The bug of `redis-cli $line`: the quote characters ended up in the key names.
  CHECK(Parse(R"(SET "Hello" "World")") == Args{"SET", "Hello", "World"});
  CHECK(Parse(R"(MSET "Dev" "Ops" "k2" "v2")") == Args{"MSET", "Dev", "Ops", "k2", "v2"});
}

TEST_CASE("BlankAndWhitespaceOnlyLinesHaveNoArguments", "[parser]") {
  CHECK(Parse("").empty());
  CHECK(Parse("   \t  \r").empty());
  CHECK(Parse("\v\f").empty());
}

TEST_CASE("DoubleQuotedEscapes", "[parser]") {
  CHECK(Parse(R"("a\"b")") == Args{"a\"b"});
  CHECK(Parse(R"("\n\r\t\b\a\\")") == Args{"\n\r\t\b\a\\"});
  CHECK(Parse(R"("\x41\x62\xfF")") == Args{"Ab\xff"});
  // Any other backslash pair stands for its second character, as in sdssplitargs.
  CHECK(Parse(R"("\q\'\ ")") == Args{"q' "});
  // \x needs two hex digits; otherwise the backslash just quotes the 'x'.
  CHECK(Parse(R"("\xZZ" "\x4" "\x4g")") == Args{"xZZ", "x4", "x4g"});
}

TEST_CASE("HexEscapeYieldsNulBytes", "[parser]") {
  Args args = Parse(R"(SET "k\x00" "a\x00b")");
  REQUIRE(args.size() == 3);
  CHECK(args[1] == std::string("k\0", 2));
  CHECK(args[2] == std::string("a\0b", 3));
}

TEST_CASE("SingleQuotesAreLiteralExceptEscapedQuote", "[parser]") {
  CHECK(Parse(R"('a\nb')") == Args{"a\\nb"});
  CHECK(Parse(R"('it\'s')") == Args{"it's"});
  CHECK(Parse(R"('C:\dir\x')") == Args{"C:\\dir\\x"});
  CHECK(Parse(R"('say "hi"')") == Args{"say \"hi\""});
}

TEST_CASE("EmptyQuotedStringsAreArguments", "[parser]") {
  CHECK(Parse(R"(SET k "")") == Args{"SET", "k", ""});
  CHECK(Parse(R"('' "")") == Args{"", ""});
}

TEST_CASE("QuoteMayOpenInsideAnArgument", "[parser]") {
  CHECK(Parse(R"(ab"cd ef" x)") == Args{"abcd ef", "x"});
  CHECK(Parse(R"(it's' x)") == Args{"its", "x"});
}

TEST_CASE("VerticalTabAndFormFeedStayInsideBareArguments", "[parser]") {
  // sdssplitargs ends a bare argument only at space, \t, \n, \r (but skips any isspace between
  // arguments), so these bytes are data in the middle of a word.
  CHECK(Parse("a\vb c") == Args{"a\vb", "c"});
  CHECK(Parse("\va\f b") == Args{"a\f", "b"});
}

TEST_CASE("ClosingQuoteMayBeFollowedByAnyWhitespace", "[parser]") {
  CHECK(Parse("\"a\"\tb") == Args{"a", "b"});
  CHECK(Parse("\"a\"\vb") == Args{"a", "b"});
  CHECK(Parse("'a'\r") == Args{"a"});
}

TEST_CASE("BackslashOutsideQuotesIsLiteral", "[parser]") {
  CHECK(Parse(R"(a\nb \x41)") == Args{"a\\nb", "\\x41"});
}

TEST_CASE("HighBytesAreData", "[parser]") {
  CHECK(Parse("SET caf\xc3\xa9 \xa0x") == Args{"SET", "caf\xc3\xa9", "\xa0x"});
}

TEST_CASE("SixtyFourKilobyteArgument", "[parser]") {
  std::string big(64 * 1024, 'v');
  CHECK(Parse("SET k " + big) == Args{"SET", "k", big});
  CHECK(Parse("SET k \"" + big + "\"") == Args{"SET", "k", big});
}

TEST_CASE("ErrorsNameColumnAndReason", "[parser]") {
  CHECK(ParseError(R"(SET k "abc)") == "column 7: unbalanced double quote");
  CHECK(ParseError(R"(SET k 'abc)") == "column 7: unbalanced single quote");
  CHECK(ParseError(R"(SET k "abc\)") == "column 7: unbalanced double quote");
  CHECK(ParseError(R"(SET k 'it\')") == "column 7: unbalanced single quote");
  // A trap worth a test: a trailing backslash in single quotes escapes the closing quote.
  CHECK(ParseError(R"(SET k 'C:\dir\')") == "column 7: unbalanced single quote");
  CHECK(ParseError(R"(SET "k"v x)") ==
        "column 8: closing double quote must be followed by a space or the end of the line");
  CHECK(ParseError(R"(SET 'k'v x)") ==
        "column 8: closing single quote must be followed by a space or the end of the line");
  CHECK(ParseError(R"(SET "k""v")") ==
        "column 8: closing double quote must be followed by a space or the end of the line");
  CHECK(ParseError(std::string("SET k\0v", 7)).starts_with("column 6: raw NUL byte"));
}

TEST_CASE("ParserReusesArgvAcrossLines", "[parser]") {
  Argv argv;
  REQUIRE(ParseLine("SET a b", &argv).ok());
  REQUIRE(ParseLine("GET c", &argv).ok());
  CHECK(argv.ToVector() == Args{"GET", "c"});
}

}  // namespace
}  // namespace redispair::importer
