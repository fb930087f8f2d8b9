#include "kube/line_splitter.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace redispair::kube {
namespace {

const std::string kStream =
    "{\"type\":\"ADDED\",\"object\":{\"n\":1}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"n\":2}}\r\n"
    "\n"
    "\r\n"
    "{\"type\":\"BOOKMARK\",\"object\":{}}\n"
    "x\n";
const std::vector<std::string> kLines = {
    "{\"type\":\"ADDED\",\"object\":{\"n\":1}}",
    "{\"type\":\"MODIFIED\",\"object\":{\"n\":2}}",
    "{\"type\":\"BOOKMARK\",\"object\":{}}",
    "x",
};

// Feeds `chunks` in order and returns every line, failing the test on an error.
std::vector<std::string> Split(const std::vector<std::string_view>& chunks) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  for (std::string_view chunk : chunks) {
    Status s = splitter.Feed(chunk, [&](std::string_view line) { lines.emplace_back(line); });
    REQUIRE(s.ok());
  }
  CHECK(splitter.buffered() == 0);
  return lines;
}

TEST_CASE("WholeStreamInOneChunkYieldsEveryNonEmptyLine", "[line_splitter]") {
  CHECK(Split({kStream}) == kLines);
}

TEST_CASE("WatchLineSplitAtEveryPossibleChunkBoundary", "[line_splitter]") {
  const std::string_view all = kStream;
  for (size_t i = 0; i <= all.size(); ++i) {
    CAPTURE(i);
    CHECK(Split({all.substr(0, i), all.substr(i)}) == kLines);
  }
}

TEST_CASE("WatchLineSplitAtEveryPairOfChunkBoundaries", "[line_splitter]") {
  const std::string_view all = kStream;
  for (size_t i = 0; i <= all.size(); ++i) {
    for (size_t j = i; j <= all.size(); ++j) {
      CAPTURE(i, j);
      REQUIRE(Split({all.substr(0, i), all.substr(i, j - i), all.substr(j)}) == kLines);
    }
  }
}

TEST_CASE("WatchStreamFedOneByteAtATime", "[line_splitter]") {
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < kStream.size(); ++i)
    bytes.push_back(std::string_view(kStream).substr(i, 1));
  CHECK(Split(bytes) == kLines);
}

TEST_CASE("PartialLineIsBufferedUntilItsNewlineArrives", "[line_splitter]") {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  REQUIRE(splitter.Feed("{\"a\":", collect).ok());
  CHECK(lines.empty());
  CHECK(splitter.buffered() == 5);
  REQUIRE(splitter.Feed("1}\n{\"b\"", collect).ok());
  CHECK(lines == std::vector<std::string>{"{\"a\":1}"});
  CHECK(splitter.buffered() == 4);
}

TEST_CASE("OversizedLineIsAnErrorAndTheSplitterStaysFailed", "[line_splitter]") {
  LineSplitter splitter(/*max_line_bytes=*/10);
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  REQUIRE(splitter.Feed("0123456789\n", collect).ok());  // exactly at the limit is fine
  REQUIRE(splitter.Feed("ok\n012345", collect).ok());
  Status s = splitter.Feed("6789A", collect);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("exceeds 10 bytes"));
  CHECK(splitter.buffered() == 0);
  CHECK(splitter.Feed("\nfine\n", collect).code() == Status::Code::kInvalidArgument);
  CHECK(lines == std::vector<std::string>{"0123456789", "ok"});
  splitter.Reset();
  REQUIRE(splitter.Feed("again\n", collect).ok());
  CHECK(lines.back() == "again");
}

TEST_CASE("OversizedLineInsideOneChunkIsDetected", "[line_splitter]") {
  LineSplitter splitter(/*max_line_bytes=*/4);
  std::vector<std::string> lines;
  Status s =
      splitter.Feed("ab\nabcdefgh\ncd\n", [&](std::string_view l) { lines.emplace_back(l); });
  CHECK_FALSE(s.ok());
  CHECK(lines == std::vector<std::string>{"ab"});
}

}  // namespace
}  // namespace redispair::kube
