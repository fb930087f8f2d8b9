#include "kube/resource.h"

#include <map>

#include <catch2/catch.hpp>

namespace redispair::kube {
namespace {

TEST_CASE("CoreGroupPathsStartWithApiAndOthersWithApis", "[resource]") {
  CHECK(CollectionPath(kPods, "redis") == "/api/v1/namespaces/redis/pods");
  CHECK(CollectionPath(kStatefulSets, "redis") == "/apis/apps/v1/namespaces/redis/statefulsets");
  CHECK(CollectionPath(kEvents, "redis") == "/apis/events.k8s.io/v1/namespaces/redis/events");
  CHECK(ObjectPath(kCronJobs, "redis", "redis-info") ==
        "/apis/batch/v1/namespaces/redis/cronjobs/redis-info");
}

TEST_CASE("EmptyNamespaceListsEveryNamespace", "[resource]") {
  CHECK(CollectionPath(kPods, "") == "/api/v1/pods");
  CHECK(CollectionPath(kDeployments, "") == "/apis/apps/v1/deployments");
}

TEST_CASE("ClusterScopedResourcesIgnoreTheNamespace", "[resource]") {
  CHECK(ObjectPath(kPersistentVolumes, "redis", "pv-1") == "/api/v1/persistentvolumes/pv-1");
  CHECK(Describe(kPersistentVolumes, "redis", "pv-1") == "persistentvolumes pv-1");
}

TEST_CASE("SubresourceIsAppendedToTheObjectPath", "[resource]") {
  const Resource pairs{"redispair.io", "v1alpha1", "redispairs", true};
  CHECK(ObjectPath(pairs, "redis", "redis", kStatusSubresource) ==
        "/apis/redispair.io/v1alpha1/namespaces/redis/redispairs/redis/status");
}

TEST_CASE("ApiVersionAndDescribeNameObjectsAsKubectlDoes", "[resource]") {
  CHECK(kPods.ApiVersion() == "v1");
  CHECK(kStatefulSets.ApiVersion() == "apps/v1");
  CHECK(Describe(kStatefulSets, "redis", "redis-master") == "statefulsets redis/redis-master");
}

TEST_CASE("ResourcesAreValuesThatKeyAMap", "[resource]") {
  std::map<Resource, int> by_resource{{kPods, 1}, {kServices, 2}};
  CHECK(by_resource.at(Resource{"", "v1", "pods", true}) == 1);
  CHECK(by_resource.count(kSecrets) == 0);
  // Same plural in another group is another resource.
  CHECK(Resource{"example.com", "v1", "pods", true} != kPods);
}

TEST_CASE("UrlEncodeKeepsUnreservedCharactersAndEscapesTheRest", "[resource]") {
  CHECK(UrlEncode("a-b_c.d~9") == "a-b_c.d~9");
  CHECK(UrlEncode("app.kubernetes.io/managed-by=x,y z") ==
        "app.kubernetes.io%2Fmanaged-by%3Dx%2Cy%20z");
}

}  // namespace
}  // namespace redispair::kube
