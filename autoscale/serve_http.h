// occam serve's HTTP API on cpp-httplib: the Alertmanager webhook, the
// Occopus-compatible REST API, /metrics and /healthz. Mutating endpoints
// need `Authorization: Bearer TOKEN` unless the token is empty (--no-auth);
// bodies over 1 MiB are refused with 413.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace occam {

class ServeDaemon;
class ServeMetrics;

constexpr size_t kMaxBodyBytes = 1 << 20;
// Threads waiting for connections (each connection holds one while it is
// open: keep-alive clients, slow senders), and how many the pool may grow
// to while all are busy.
constexpr size_t kWorkers = 32;
constexpr size_t kMaxConnectionThreads = 512;

// The listening server with serve's routes. Bind once, then Run on a
// thread of its own; Stop (from any thread) makes Run return.
class ServeHttp {
 public:
  ServeHttp(ServeDaemon* daemon, ServeMetrics* metrics,
            const std::string& token);
  ~ServeHttp();

  // Binds `host`:`port` (0: any free port) and sets *bound_port.
  Status Bind(const std::string& host, int port, int* bound_port);
  void Run();
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace occam
