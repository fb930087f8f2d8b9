#include "importer/resp.h"

#include <string>

#include <catch2/catch.hpp>

namespace redispair::importer {
namespace {

TEST_CASE("RespEncodesArrayOfBulkStrings", "[resp]") {
  std::string out;
  AppendRespCommand(Argv{"SET", "Hello", "World"}, &out);
  CHECK(out == "*3\r\n$3\r\nSET\r\n$5\r\nHello\r\n$5\r\nWorld\r\n");
}

TEST_CASE("RespIsBinarySafe", "[resp]") {
  std::string out;
  AppendRespCommand(Argv{"SET", std::string_view("\0\r\n", 3), ""}, &out);
  static constexpr char kWant[] = "*3\r\n$3\r\nSET\r\n$3\r\n\0\r\n\r\n$0\r\n\r\n";
  CHECK(out == std::string(kWant, sizeof(kWant) - 1));
}

TEST_CASE("RespAppendsWithoutClearing", "[resp]") {
  std::string out = "x";
  AppendRespCommand(Argv{"PING"}, &out);
  AppendRespCommand(Argv{"PING"}, &out);
  CHECK(out == "x*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
}

TEST_CASE("RespLengthOfLargeArgument", "[resp]") {
  std::string out;
  std::string big(100000, 'a');
  AppendRespCommand(Argv{big}, &out);
  CHECK(out.starts_with("*1\r\n$100000\r\naaa"));
  CHECK(out.size() == 4 + 9 + 100000 + 2);
}

}  // namespace
}  // namespace redispair::importer
