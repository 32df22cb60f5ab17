// ConnectionPool runs occam serve's connections, one thread each. Threads
// that wait for work are reused; a connection that finds none waiting gets
// a new thread, up to a maximum: clients that hold their connection open
// and send slowly (slowloris) cannot take every thread from /healthz, the
// webhook or Prometheus's scrape, as they did with a fixed pool of 32.
// Thread-safe; the server calls enqueue from its accept loop.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace occam {

class ConnectionPool : public httplib::TaskQueue {
 public:
  // Starts `base` threads; grows to `max` while all are busy.
  ConnectionPool(size_t base, size_t max);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> fn) override;
  // Finishes the queued connections and joins every thread.
  void shutdown() override;

 private:
  void Work();

  const size_t max_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;  // threads waiting for a connection
  bool stop_ = false;
};

}  // namespace occam
