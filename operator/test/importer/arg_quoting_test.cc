#include "importer/arg_quoting.h"

#include <catch2/catch.hpp>

namespace redispair::importer {
namespace {

TEST_CASE("QuoteArgEscapesLikeSdscatrepr", "[quoting]") { CHECK(QuoteArg("") == "\"\""); }

}  // namespace
}  // namespace redispair::importer
