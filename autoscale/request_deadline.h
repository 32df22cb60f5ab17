// RequestDeadline bounds the time a client of occam serve may take to
// deliver one request. httplib (0.11) bounds each read only, so a client
// sending a header byte every few seconds held a connection — and its
// thread — for as long as it liked. A watchdog looks at the process's
// accepted connections on serve's port (the sockets in /proc/self/fd)
// every quarter second and shuts down any whose current request began more
// than `limit` ago: the client sees the connection closed. A request
// begins when its connection is accepted, and again when the previous
// answer on the connection has been written (ResponseDone).
//
// The watchdog never duplicates or closes a descriptor: closing a duplicate
// of the state file's would release SQLite's POSIX locks on it (that
// corrupted the state while an occam apply ran beside serve). It only
// asks (fstat, getsockname, getpeername) and, for a connection that is
// still the same socket, calls shutdown. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>

namespace occam {

// httplib 0.11 listens with a backlog of 5: a burst of clients (a
// thousand at once) had their SYNs dropped and waited seconds to connect.
// Finds the socket listening on `port` in /proc/self/fd (as the watchdog
// finds connections) and listens again with `backlog`, which Linux allows.
void WidenListenBacklog(int port, int backlog);

class RequestDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  RequestDeadline(int port, std::chrono::milliseconds limit);
  ~RequestDeadline();  // stops the watchdog

  void StartWatching();
  // The answer to the request from `ip`:`port` has been written.
  void ResponseDone(const std::string& ip, int port);
  // Shuts down the connection from `ip`:`port` now (its answer written);
  // false when there is none.
  bool ShutDown(const std::string& ip, int port);
  // One look at the connections at time `now`; how many it shut down.
  int Sweep(Clock::time_point now);

 private:
  void Watch();

  const int port_;
  const std::chrono::milliseconds limit_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::map<ino_t, Clock::time_point> accepted_;          // by socket inode
  std::map<std::string, Clock::time_point> answered_;    // by "ip:port"
  std::thread watcher_;
};

}  // namespace occam
