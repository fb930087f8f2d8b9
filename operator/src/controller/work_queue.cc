#include "controller/work_queue.h"

namespace redispair {

WorkQueue::WorkQueue(WorkQueueOptions options)
    : backoff_(options.base_delay, options.max_delay), bucket_(options.qps, options.burst) {
  delay_thread_ = std::thread([this] { DelayLoop(); });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  // A key in processing is parked in dirty_; Done() queues it, so two workers never share it.
  if (processing_.count(key)) return;
  queue_.push_back(key);
  ready_cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  if (delay <= std::chrono::nanoseconds(0)) {
    AddLocked(key);
    return;
  }
  const Clock::time_point due = Clock::now() + delay;
  auto it = waiting_due_.find(key);
  if (it != waiting_due_.end()) {
    if (it->second <= due) return;  // already due sooner
    for (auto w = waiting_.lower_bound(it->second); w != waiting_.end() && w->first == it->second;
         ++w) {
      if (w->second == key) {
        waiting_.erase(w);
        break;
      }
    }
  }
  waiting_due_[key] = due;
  waiting_.emplace(due, key);
  delay_cv_.notify_one();
}

void WorkQueue::AddRateLimited(const std::string& key) {
  std::chrono::nanoseconds delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    delay = std::max(backoff_.When(key), bucket_.When(Clock::now()));
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_.Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  return backoff_.Failures(key);
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  ready_cv_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
  if (queue_.empty()) return std::nullopt;  // shutting down
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    ready_cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  ready_cv_.notify_all();
  delay_cv_.notify_all();
}

bool WorkQueue::ShuttingDown() {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WorkQueue::DelayLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutting_down_) {
    if (waiting_.empty()) {
      delay_cv_.wait(lock);
      continue;
    }
    const Clock::time_point due = waiting_.begin()->first;
    if (Clock::now() < due) {
      delay_cv_.wait_until(lock, due);
      continue;
    }
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waiting_due_.erase(key);
    AddLocked(key);
  }
}

}  // namespace redispair
