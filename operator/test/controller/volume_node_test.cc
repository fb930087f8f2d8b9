#include "controller/volume_node.h"

#include <catch2/catch.hpp>

#include "controller/render.h"
#include "test_objects.h"

namespace redispair {

using nlohmann::json;

namespace {

json LocalPv(json values) {
  return json{
      {"spec",
       {{"nodeAffinity",
         {{"required",
           {{"nodeSelectorTerms",
             json::array({{{"matchExpressions", json::array({{{"key", "kubernetes.io/hostname"},
                                                              {"operator", "In"},
                                                              {"values", values}}})}}})}}}}}}}};
}

}  // namespace

TEST_CASE("ClaimSelectedNodeAnnotationNamesTheNode") {
  json pvc = {{"metadata", {{"annotations", {{"volume.kubernetes.io/selected-node", "node-a"}}}}}};
  CHECK(NodeFromClaim(pvc).value() == "node-a");
  CHECK_FALSE(NodeFromClaim(json{{"metadata", json::object()}}).has_value());
}

TEST_CASE("LocalVolumePinnedToOneHostNamesIt") {
  CHECK(NodeFromVolume(LocalPv(json::array({"node-b"}))).value() == "node-b");
}

TEST_CASE("VolumeUsableOnSeveralNodesPinsNothing") {
  CHECK_FALSE(NodeFromVolume(LocalPv(json::array({"node-a", "node-b"}))).has_value());
  CHECK_FALSE(NodeFromVolume(json{{"spec", json::object()}}).has_value());
}

TEST_CASE("TheNodesTheReplicaAvoidsAreReadBackFromItsDeployment") {
  RenderInputs in;
  in.replica_avoid_nodes = {"node-a"};
  CHECK(AvoidedNodes(BuildReplicaDeployment(testing::DefaultPair(), in)) ==
        std::vector<std::string>{"node-a"});
  CHECK(AvoidedNodes(BuildReplicaDeployment(testing::DefaultPair(), {})).empty());
  CHECK(AvoidedNodes(nlohmann::json::object()).empty());
}

}  // namespace redispair
