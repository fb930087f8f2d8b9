// NextResync: when a pair is looked at again without an event.
#include "controller/resync.h"

#include <catch2/catch.hpp>

namespace redispair {
namespace {

TEST_CASE("APairWaitingOnlyForItsPodsIsResyncedRarely", "[resync]") {
  // No pod has an IP: every change that could make it Ready comes as a watch event.
  CHECK(NextResync({}) == resync::kIdle);
  CHECK(resync::kIdle > resync::kUnhealthy);
}

TEST_CASE("AnUnreadyPairWithAPodToProbeIsLookedAtSoon", "[resync]") {
  CHECK(NextResync({.pod_to_probe = true}) == resync::kUnhealthy);
}

TEST_CASE("APairWaitingForAUsersFixIsLookedAtSoon", "[resync]") {
  // A refused child, a conflict or a Secret: the operator watches none of these.
  CHECK(NextResync({.needs_fix = true}) == resync::kUnhealthy);
}

TEST_CASE("AReadyPairIsReprobedOnTheHealthyPeriod", "[resync]") {
  CHECK(NextResync({.ready = true, .pod_to_probe = true}) == resync::kHealthy);
}

TEST_CASE("ARefillIsFollowedEverySecondWhateverElseIsTrue", "[resync]") {
  CHECK(NextResync({.refilling = true, .ready = true}) == resync::kRefill);
  CHECK(NextResync({.refilling = true, .pod_to_probe = true, .needs_fix = true}) ==
        resync::kRefill);
}

}  // namespace
}  // namespace redispair
