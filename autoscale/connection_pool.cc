#include "autoscale/connection_pool.h"

namespace occam {

ConnectionPool::ConnectionPool(size_t base, size_t max) : max_(max) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < base; ++i) threads_.emplace_back([this] { Work(); });
}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(fn));
  // Threads already woken for earlier connections are not idle for this
  // one: count them off as they are claimed.
  if (idle_ >= queue_.size()) {
    wake_.notify_one();
  } else if (threads_.size() < max_) {
    threads_.emplace_back([this] { Work(); });
  }
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) t.join();
}

void ConnectionPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left
    std::function<void()> fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace occam
