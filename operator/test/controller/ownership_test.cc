// Whose an object is, and how a conflict is told.
#include "controller/ownership.h"

#include <catch2/catch.hpp>

#include "test_objects.h"

namespace redispair {
namespace {

using nlohmann::json;

json Service(json metadata, std::vector<int> node_ports = {}) {
  json ports = json::array();
  for (int p : node_ports) ports.push_back({{"port", 6379}, {"nodePort", p}});
  metadata["namespace"] = "redis";
  return {{"kind", "Service"}, {"metadata", metadata}, {"spec", {{"ports", ports}}}};
}

json Ref(const std::string& kind, const std::string& name, const std::string& uid,
         bool controller = true) {
  return {{"kind", kind}, {"name", name}, {"uid", uid}, {"controller", controller}};
}

TEST_CASE("OnlyAControllerReferenceToThePairsUidMakesAnObjectItsOwn", "[ownership]") {
  const RedisPair rp = testing::DefaultPair();  // uid-1
  CHECK(IsControlledBy(Service({{"ownerReferences", {Ref("RedisPair", "redis", "uid-1")}}}), rp));
  CHECK_FALSE(IsControlledBy(Service({{"name", "redis-master"}}), rp));
  // Not as controller, or another uid (an earlier RedisPair of the same name).
  CHECK_FALSE(IsControlledBy(
      Service({{"ownerReferences", {Ref("RedisPair", "redis", "uid-1", false)}}}), rp));
  CHECK_FALSE(
      IsControlledBy(Service({{"ownerReferences", {Ref("RedisPair", "redis", "uid-0")}}}), rp));
  // Our labels alone do not make it ours.
  CHECK_FALSE(IsControlledBy(
      Service({{"labels", {{"app.kubernetes.io/managed-by", "redispair-operator"}}}}), rp));
}

TEST_CASE("TheOwnerIsToldByControllerThenManagedByLabelThenFieldManager", "[ownership]") {
  const RedisPair rp = testing::DefaultPair();
  CHECK(DescribeOwner(Service({{"ownerReferences", {Ref("Deployment", "web", "u")}}}), rp) ==
        "controlled by Deployment web");
  CHECK(DescribeOwner(Service({{"ownerReferences", {Ref("RedisPair", "redis", "uid-0")}}}), rp)
            .find("another uid") != std::string::npos);
  CHECK(DescribeOwner(Service({{"labels", {{"app.kubernetes.io/managed-by", "Helm"}}}}), rp) ==
        "managed by Helm");
  CHECK(DescribeOwner(Service({{"managedFields", {{{"manager", "kubectl-create"}}}}}), rp) ==
        "created by kubectl-create");
  CHECK(DescribeOwner(Service(json::object()), rp) == "no owner");
}

TEST_CASE("AConflictMessageNamesTheObjectItsOwnerAndWhatToDo", "[ownership]") {
  const RedisPair rp = testing::DefaultPair();
  const std::string m = ChildConflictMessage(
      "Service",
      Service({{"name", "redis-master"}, {"labels", {{"app.kubernetes.io/managed-by", "Helm"}}}}),
      rp);
  CHECK(m.find("Service redis/redis-master") != std::string::npos);
  CHECK(m.find("managed by Helm") != std::string::npos);
  CHECK(m.find("delete or rename it") != std::string::npos);
}

TEST_CASE("TheHolderOfANodePortIsAnotherServiceNotTheOneBeingApplied", "[ownership]") {
  const RedisPair rp = testing::DefaultPair();
  std::vector<ObjectPtr> services = {
      std::make_shared<const json>(Service({{"name", "redis-master"}}, {32400})),
      std::make_shared<const json>(
          Service({{"name", "web"}, {"labels", {{"app.kubernetes.io/managed-by", "Helm"}}}},
                  {30080, 32401}))};
  CHECK_FALSE(NodePortHolder(services, 32400, "redis-master", rp).has_value());
  const auto holder = NodePortHolder(services, 32401, "redis-replica", rp);
  REQUIRE(holder.has_value());
  CHECK(*holder == "Service redis/web (managed by Helm)");
  CHECK_FALSE(NodePortHolder(services, 31000, "redis-replica", rp).has_value());
  CHECK(NodePortsOf(*services[1]) == std::vector<int>{30080, 32401});
}

}  // namespace
}  // namespace redispair
