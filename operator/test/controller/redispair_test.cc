#include "controller/redispair.h"

#include <catch2/catch.hpp>

namespace redispair {

using nlohmann::json;

TEST_CASE("EmptySpecGetsTheDocumentedDefaults") {
  auto rp = ParseRedisPair(json{{"metadata", {{"name", "r"}, {"namespace", "n"}}}});
  REQUIRE(rp.ok());
  CHECK(rp->spec.image == "redis:7.2");
  CHECK(rp->spec.master_node_port == 32400);
  CHECK(rp->spec.replica_node_port == 32401);
  CHECK(rp->spec.auth_enabled);
  CHECK(rp->spec.storage_size == "1Gi");
  CHECK(rp->spec.retention_policy == "Retain");
  CHECK_FALSE(rp->spec.info_job_enabled);
  CHECK(rp->spec.info_job_schedule == "*/1 * * * *");
  CHECK(rp->spec.master_resources.requests.at("memory") == "64Mi");
}

TEST_CASE("SpecValuesOverrideDefaultsAndNumericQuantitiesBecomeText") {
  json obj = {{"metadata", {{"name", "r"}, {"namespace", "n"}}},
              {"spec",
               {{"master",
                 {{"nodePort", 30001},
                  {"storage", {{"size", "5Gi"}, {"storageClassName", "standard"}}},
                  {"resources", {{"requests", {{"cpu", 1}}}}}}},
                {"infoJob", {{"enabled", true}, {"schedule", "*/5 * * * *"}}}}}};
  auto rp = ParseRedisPair(obj);
  REQUIRE(rp.ok());
  CHECK(rp->spec.master_node_port == 30001);
  CHECK(rp->spec.storage_size == "5Gi");
  CHECK(rp->spec.storage_class_name == "standard");
  CHECK(rp->spec.master_resources.requests.at("cpu") == "1");
  CHECK(rp->spec.master_resources.limits.empty());
  CHECK(rp->spec.info_job_enabled);
}

TEST_CASE("WrongTypesAreReportedWithTheirPath") {
  json obj = {{"metadata", {{"name", "r"}, {"namespace", "n"}}},
              {"spec", {{"master", {{"nodePort", "32400"}}}}}};
  auto rp = ParseRedisPair(obj);
  REQUIRE_FALSE(rp.ok());
  CHECK(rp.status().message() == "spec.master.nodePort must be an integer");
}

TEST_CASE("MissingNameIsAnError") {
  CHECK_FALSE(ParseRedisPair(json{{"metadata", {{"namespace", "n"}}}}).ok());
  CHECK_FALSE(ParseRedisPair(json::array()).ok());
}

}  // namespace redispair
