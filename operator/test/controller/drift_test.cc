#include "controller/drift.h"

#include <catch2/catch.hpp>

#include "controller/quantity.h"

namespace redispair {

using nlohmann::json;

TEST_CASE("ServerAddedFieldsAreNotDrift") {
  json desired = {{"spec", {{"replicas", 1}, {"template", {{"spec", {{"a", "b"}}}}}}}};
  json live = {{"spec",
                {{"replicas", 1},
                 {"revisionHistoryLimit", 10},
                 {"template", {{"spec", {{"a", "b"}, {"dnsPolicy", "ClusterFirst"}}}}}}},
               {"status", {{"readyReplicas", 1}}}};
  CHECK(ContainsDesired(desired, live));
}

TEST_CASE("ChangedScalarIsDriftAndNamesThePath") {
  json desired = {{"spec", {{"ports", json::array({{{"nodePort", 32400}}})}}}};
  json live = {{"spec", {{"ports", json::array({{{"nodePort", 32555}, {"port", 6379}}})}}}};
  std::string where;
  CHECK_FALSE(ContainsDesired(desired, live, &where));
  CHECK(where == "spec.ports[0].nodePort");
}

TEST_CASE("ListsMustMatchInLength") {
  json desired = {{"args", json::array({"a", "b"})}};
  CHECK_FALSE(ContainsDesired(desired, json{{"args", json::array({"a"})}}));
  CHECK_FALSE(ContainsDesired(desired, json{{"args", json::array({"a", "b", "c"})}}));
  CHECK(ContainsDesired(desired, json{{"args", json::array({"a", "b"})}}));
}

TEST_CASE("MissingFieldIsDriftButDroppedEmptyObjectsAreNot") {
  CHECK_FALSE(ContainsDesired(json{{"x", 1}}, json::object()));
  CHECK(ContainsDesired(json{{"emptyDir", json::object()}}, json::object()));
}

TEST_CASE("EqualQuantitiesInOtherSpellingsAreNotDrift") {
  CHECK(ContainsDesired(json{{"memory", "1024Mi"}}, json{{"memory", "1Gi"}}));
  CHECK(ContainsDesired(json{{"cpu", 1}}, json{{"cpu", "1"}}));
  CHECK(ContainsDesired(json{{"cpu", "0.5"}}, json{{"cpu", "500m"}}));
  CHECK(ContainsDesired(json{{"n", "1e3"}}, json{{"n", "1k"}}));
  CHECK_FALSE(ContainsDesired(json{{"memory", "1Gi"}}, json{{"memory", "1G"}}));
  CHECK_FALSE(ContainsDesired(json{{"image", "redis:7.2"}}, json{{"image", "redis:7.4"}}));
}

TEST_CASE("QuantityParsing") {
  CHECK(ParseQuantity("64Mi").value() == Approx(64.0L * 1024 * 1024 * 1e9L));
  CHECK(ParseQuantity("50m").value() == Approx(50e6L));
  CHECK_FALSE(ParseQuantity("lots").has_value());
  CHECK_FALSE(ParseQuantity("").has_value());
  CHECK_FALSE(ParseQuantity("1Xi").has_value());
  CHECK_FALSE(ParseQuantity("1e").has_value());
  CHECK_FALSE(ParseQuantity(".").has_value());
}

}  // namespace redispair
