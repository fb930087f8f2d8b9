// RunConcurrently: the tasks overlap in time, and all have finished when it returns.
#include "controller/concurrently.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

namespace redispair {
namespace {

using namespace std::chrono_literals;

// How long a task waits for the others to start; run one after another, the first would wait in
// vain. Generous: the machine may be busy.
constexpr auto kWait = 3s;

TEST_CASE("TheTasksRunAtTheSameTime", "[concurrently]") {
  constexpr int kTasks = 4;
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;  // guarded by mu
  int met = 0;      // guarded by mu: tasks that saw every task started
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++started;
      cv.notify_all();
      if (cv.wait_for(lock, kWait, [&] { return started == kTasks; })) ++met;
    });
  }
  RunConcurrently(tasks);
  CHECK(met == kTasks);
}

TEST_CASE("EveryTaskHasFinishedWhenItReturns", "[concurrently]") {
  std::atomic<int> finished{0};
  std::vector<std::function<void()>> tasks;
  for (int i = 0; i < 5; ++i) {
    tasks.push_back([&, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * i));
      ++finished;
    });
  }
  RunConcurrently(tasks);
  CHECK(finished == 5);
}

TEST_CASE("NoTaskIsNothingToDo", "[concurrently]") { RunConcurrently({}); }

}  // namespace
}  // namespace redispair
