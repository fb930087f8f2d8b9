#include "importer/error_list.h"

#include <catch2/catch.hpp>

#include "importer/progress.h"

namespace redispair::importer {
namespace {

TEST_CASE("ErrorListKeepsFirstAndCountsAll", "[errors]") {
  ErrorList errors(2);
  errors.Add(7, "column 12: unbalanced double quote");
  errors.Add(9, "WRONGTYPE Operation against a key holding the wrong kind of value");
  errors.Add(11, "ERR unknown command");
  CHECK(errors.count() == 3);
  CHECK(errors.Format() ==
        "  line 7, column 12: unbalanced double quote\n"
        "  line 9: WRONGTYPE Operation against a key holding the wrong kind of value\n"
        "  ... and 1 more\n");
}

TEST_CASE("ProgressShowsRateAndEta", "[progress]") {
  CHECK(FormatProgress(500000, 1000000, 1.0) == "  500000/1000000 commands  50%  500k/s  ETA 0:01");
  CHECK(FormatProgress(0, 10, 0.0) == "  0/10 commands  0%  0/s  ETA --:--");
  CHECK(FormatProgress(2500000, 5000000, 1.0) ==
        "  2500000/5000000 commands  50%  2.50M/s  ETA 0:01");
}

}  // namespace
}  // namespace redispair::importer
