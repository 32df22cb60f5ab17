// occam serve's HTTP API on cpp-httplib: the Alertmanager webhook, the
// Occopus-compatible REST API, /metrics and /healthz. Mutating endpoints
// need `Authorization: Bearer TOKEN` unless the token is empty (--no-auth);
// bodies over 1 MiB are refused with 413.
#pragma once

#include <chrono>
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
// to while all are busy: 512 slow connections made /healthz wait for the
// request timeout; a thread that waits on a socket costs little (its stack
// is reserved, not used), so thousands may.
constexpr size_t kWorkers = 32;
constexpr size_t kMaxConnectionThreads = 8192;
// Open files serve asks for (each connection takes one; Debian's default
// soft limit of 1,024 made the accept loop wait at about 1,000 clients).
constexpr size_t kWantedOpenFiles = 16384;
// How long a client may take to send one request, headers and body
// (request_deadline.h), unless serve --request-timeout says otherwise.
constexpr std::chrono::milliseconds kRequestTimeout{30'000};

class RequestDeadline;

// The listening server with serve's routes. Bind once, then Run on a
// thread of its own; Stop (from any thread) makes Run return.
class ServeHttp {
 public:
  ServeHttp(ServeDaemon* daemon, ServeMetrics* metrics,
            const std::string& token,
            std::chrono::milliseconds request_timeout = kRequestTimeout);
  ~ServeHttp();

  // Binds `host`:`port` (0: any free port) and sets *bound_port.
  Status Bind(const std::string& host, int port, int* bound_port);
  // Serves until Stop, cutting requests that take longer than the
  // request timeout.
  void Run();
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<RequestDeadline> deadline_;  // made by Bind
};

}  // namespace occam
