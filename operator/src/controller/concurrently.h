// Runs a few independent tasks at the same time and waits for all of them: the reconciler applies
// the children that do not depend on each other (the Services, then the workloads) this way, so
// that a new RedisPair costs a few API round trips instead of one per child.
//
// Thread-safety: the tasks run on different threads at once; each must be safe to run next to the
// others, and must not throw.
#pragma once

#include <functional>
#include <vector>

namespace redispair {

// Runs every task, each on a thread of its own but the first, which runs on the calling thread,
// and returns once all have finished. A task whose thread cannot be started runs on the calling
// thread instead, after the others were started: slower, never lost.
void RunConcurrently(const std::vector<std::function<void()>>& tasks);

}  // namespace redispair
