#include "importer/line_reader.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "importer/digest.h"
#include "test_support.h"

namespace redispair::importer {
namespace {

using testing::TempFile;

std::vector<std::string> ReadLines(std::string_view content) {
  TempFile file(content);
  LineReader reader(file.fd());
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.Next(&line)) {
    lines.emplace_back(line);
    REQUIRE(reader.line_number() == lines.size());
  }
  REQUIRE(reader.status().ok());
  return lines;
}

TEST_CASE("LinesSplitOnNewline", "[reader]") {
  CHECK(ReadLines("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(ReadLines("") == std::vector<std::string>{});
  CHECK(ReadLines("\n\n") == std::vector<std::string>{"", ""});
}

TEST_CASE("LastLineWithoutNewlineIsALine", "[reader]") {
  CHECK(ReadLines("a\nb") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("CrlfLineEndingsAreStripped", "[reader]") {
  CHECK(ReadLines("a\r\nb\r\n\r\nc\r") == std::vector<std::string>{"a", "b", "", "c"});
  // Only one \r before the newline is the terminator; others are data.
  CHECK(ReadLines("a\r\r\n") == std::vector<std::string>{"a\r"});
}

TEST_CASE("LinesLongerThanTheBufferAreWhole", "[reader]") {
  std::string longline(LineReader::kReadChunk * 3 + 17, 'x');
  CHECK(ReadLines("short\n" + longline + "\nend") ==
        std::vector<std::string>{"short", longline, "end"});
}

TEST_CASE("ManyLinesAcrossBufferBoundaries", "[reader]") {
  std::string content;
  std::vector<std::string> expected;
  for (int i = 0; i < 200000; ++i) {
    expected.push_back("SET key:" + std::to_string(i) + " value");
    content += expected.back() + "\n";
  }
  CHECK(ReadLines(content) == expected);
}

TEST_CASE("DigestAndTeeSeeEveryByte", "[reader]") {
  std::string content = "SET a b\r\nSET c d";
  TempFile in(content);
  TempFile tee("");
  Sha256 digest;
  LineReader reader(in.fd(), &digest, tee.fd());
  std::string_view line;
  while (reader.Next(&line)) {
  }
  CHECK(reader.bytes_read() == content.size());
  CHECK(tee.ReadAll() == content);
  Sha256 expected;
  expected.Update(content);
  CHECK(digest.FinishHex().value() == expected.FinishHex().value());
}

}  // namespace
}  // namespace redispair::importer
