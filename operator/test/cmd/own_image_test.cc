#include "cmd/own_image.h"

#include <catch2/catch.hpp>

namespace redispair::cmd {
namespace {

using nlohmann::json;

TEST_CASE("ContainerImageIsTheNamedContainersElseTheFirsts", "[own_image]") {
  const json pod = {{"spec",
                     {{"containers", json::array({{{"name", "sidecar"}, {"image", "proxy:1"}},
                                                  {{"name", "operator"},
                                                   {"image", "redispair-operator:abc"}}})}}}};
  CHECK(ContainerImage(pod, "operator") == "redispair-operator:abc");
  CHECK(ContainerImage(pod, "renamed") == "proxy:1");
}

TEST_CASE("ContainerImageOfAPodWithoutContainersIsEmpty", "[own_image]") {
  CHECK(ContainerImage(json::object(), "operator").empty());
  CHECK(ContainerImage(json{{"spec", {{"containers", json::array()}}}}, "operator").empty());
  CHECK(ContainerImage(json("not a pod"), "operator").empty());
}

}  // namespace
}  // namespace redispair::cmd
