// occam serve's HTTP API on cpp-httplib: the Alertmanager webhook, the
// Occopus-compatible REST API, /metrics and /healthz. Mutating endpoints
// need `Authorization: Bearer TOKEN` unless the token is empty (--no-auth);
// bodies over 1 MiB are refused with 413.
#pragma once

#include <string>

namespace httplib {
class Server;
}

namespace occam {

class ServeDaemon;
class ServeMetrics;

constexpr size_t kMaxBodyBytes = 1 << 20;
// Connections served at once (each a thread; keep-alive clients hold one).
constexpr size_t kWorkers = 32;

void AddServeRoutes(httplib::Server* server, ServeDaemon* daemon,
                    ServeMetrics* metrics, const std::string& token);

}  // namespace occam
