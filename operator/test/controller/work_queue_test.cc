#include "controller/work_queue.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

namespace redispair {

using namespace std::chrono_literals;

TEST_CASE("DuplicateAddsBeforeProcessingYieldOneItem") {
  WorkQueue q;
  q.Add("ns/a");
  q.Add("ns/a");
  q.Add("ns/b");
  q.Add("ns/a");
  CHECK(q.Len() == 2);
  CHECK(*q.Get() == "ns/a");
  CHECK(*q.Get() == "ns/b");
}

TEST_CASE("KeyAddedWhileProcessingIsRequeuedOnlyAfterDone") {
  WorkQueue q;
  q.Add("k");
  auto k = q.Get();
  REQUIRE(k);
  q.Add("k");           // arrives while a worker holds it
  CHECK(q.Len() == 0);  // not handed to a second worker
  q.Done(*k);
  CHECK(q.Len() == 1);
  CHECK(*q.Get() == "k");
}

TEST_CASE("NoKeyIsProcessedByTwoWorkersAtOnce") {
  WorkQueue q;
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        if (in_flight.fetch_add(1) != 0) overlap = true;
        std::this_thread::sleep_for(1ms);
        in_flight.fetch_sub(1);
        processed++;
        q.Done(*k);
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    q.Add("same");
    std::this_thread::sleep_for(100us);
  }
  std::this_thread::sleep_for(50ms);
  q.ShutDown();
  for (auto& t : workers) t.join();
  CHECK_FALSE(overlap);
  CHECK(processed >= 1);
  CHECK(processed <= 200);
}

TEST_CASE("AddAfterDeliversOnceTheDelayPassed") {
  WorkQueue q;
  const auto start = Clock::now();
  q.AddAfter("k", 30ms);
  CHECK(q.Len() == 0);
  auto k = q.Get();
  REQUIRE(k);
  CHECK(Clock::now() - start >= 30ms);
}

TEST_CASE("EarlierAddAfterWinsOverALaterOne") {
  WorkQueue q;
  const auto start = Clock::now();
  q.AddAfter("k", 10s);
  q.AddAfter("k", 20ms);
  auto k = q.Get();
  REQUIRE(k);
  CHECK(Clock::now() - start < 5s);
}

TEST_CASE("ItemBackoffDoublesPerFailureAndForgetResets") {
  ItemExponentialBackoff b(5ms, 1000s);
  CHECK(b.When("k") == 5ms);
  CHECK(b.When("k") == 10ms);
  CHECK(b.When("k") == 20ms);
  CHECK(b.When("other") == 5ms);
  CHECK(b.Failures("k") == 3);
  b.Forget("k");
  CHECK(b.When("k") == 5ms);
}

TEST_CASE("ItemBackoffIsCapped") {
  ItemExponentialBackoff b(5ms, 1000s);
  std::chrono::nanoseconds last{};
  for (int i = 0; i < 100; ++i) last = b.When("k");
  CHECK(last == std::chrono::nanoseconds(1000s));
}

TEST_CASE("TokenBucketAllowsBurstThenPaces") {
  TokenBucket bucket(10, 3);
  const auto t0 = Clock::now();
  CHECK(bucket.When(t0) == 0ns);
  CHECK(bucket.When(t0) == 0ns);
  CHECK(bucket.When(t0) == 0ns);
  const auto wait = bucket.When(t0);
  CHECK(wait > 90ms);
  CHECK(wait < 110ms);
}

TEST_CASE("AddRateLimitedBacksOffAndCountsRequeues") {
  WorkQueue q(WorkQueueOptions{.base_delay = 100ms, .max_delay = 1s});
  // Each failure waits twice as long as the one before: 100 ms, then 200 ms.
  for (const auto delay : {100ms, 200ms}) {
    const auto start = Clock::now();
    q.AddRateLimited("k");
    CHECK(q.Len() == 0);  // not ready at once
    auto k = q.Get();
    REQUIRE(k);
    const auto waited = Clock::now() - start;
    CHECK(waited >= delay);
    CHECK(waited < delay + 2s);  // generous: the machine may be busy
    q.Done(*k);
  }
  CHECK(q.NumRequeues("k") == 2);
  q.Forget("k");
  CHECK(q.NumRequeues("k") == 0);
}

TEST_CASE("ShutDownReleasesBlockedGetters") {
  WorkQueue q;
  std::thread t([&] { CHECK_FALSE(q.Get().has_value()); });
  std::this_thread::sleep_for(10ms);
  q.ShutDown();
  t.join();
}

}  // namespace redispair
