#include "controller/concurrently.h"

#include <system_error>
#include <thread>

namespace redispair {

void RunConcurrently(const std::vector<std::function<void()>>& tasks) {
  if (tasks.empty()) return;
  std::vector<std::jthread> threads;
  std::vector<const std::function<void()>*> inline_tasks = {&tasks.front()};
  threads.reserve(tasks.size() - 1);
  for (size_t i = 1; i < tasks.size(); ++i) {
    try {
      threads.emplace_back(tasks[i]);
    } catch (const std::system_error&) {
      // No thread to be had (a resource limit): the task still runs, here, after the others.
      inline_tasks.push_back(&tasks[i]);
    }
  }
  for (const std::function<void()>* task : inline_tasks) (*task)();
  // The jthreads join as they go out of scope.
}

}  // namespace redispair
