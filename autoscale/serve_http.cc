#include "autoscale/serve_http.h"

#include <httplib.h>

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "autoscale/connection_pool.h"
#include "autoscale/request_deadline.h"
#include "autoscale/serve_daemon.h"
#include "base/diagnostic_json.h"

namespace occam {
namespace {

using nlohmann::json;

void Reply(httplib::Response& res, int code, const json& body) {
  res.status = code;
  // A path may decode to bytes that are not UTF-8 (/infrastructures/%FF):
  // answer with U+FFFD in their place instead of throwing.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) +
                      "\n",
                  "application/json");
}

void ReplyError(httplib::Response& res, int code, const std::string& reason) {
  Reply(res, code, {{"status_code", code}, {"reason", reason}});
}

int HttpCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kTooLarge:
      return 413;
    case Status::Code::kBusy:
      return 409;
    case Status::Code::kUnavailable:
      return 503;  // a standby: the leader takes changes
    default:
      return 500;
  }
}

// Compares in time independent of where the strings differ.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

bool Integer(const std::string& text, int* out) {
  if (text.empty() || text.size() > 7 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::stoi(text);
  return true;
}

class Routes : public std::enable_shared_from_this<Routes> {
 public:
  Routes(ServeDaemon* daemon, ServeMetrics* metrics, std::string token)
      : daemon_(daemon), metrics_(metrics), token_(std::move(token)) {}

  void Add(httplib::Server* server) {
    // The handlers keep the routes alive as long as the server.
    std::shared_ptr<Routes> self = shared_from_this();
    server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    server->Get("/", [self](const httplib::Request&, httplib::Response& res) {
      std::string html;
      Status s = self->daemon_->StatusPage(&html);
      if (!s.ok()) return ReplyError(res, HttpCode(s), s.message());
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; "
                     "img-src data:");
      res.set_content(html, "text/html; charset=utf-8");
    });
    server->Get("/metrics", [self](const httplib::Request&,
                                   httplib::Response& res) {
      res.set_content(self->metrics_->Render(),
                      "text/plain; version=0.0.4; charset=utf-8");
    });
    server->Post("/api/v1/alerts",
                 Mutating("alerts", [self](auto& req, auto& res) {
                   self->Alerts(req, res);
                 }));
    // Occopus's answer: {"infrastructures": [IDS]}.
    server->Get(R"(/infrastructures/?)", [self](auto&, auto& res) {
      Reply(res, 200, {{"infrastructures", self->daemon_->Infrastructures()}});
    });
    server->Post(R"(/infrastructures/?)",
                 Mutating("create", [self](auto& req, auto& res) {
                   self->Create(req, res);
                 }));
    server->Delete(R"(/infrastructures/([^/]+)/?)",
                   Mutating("destroy", [self](auto& req, auto& res) {
                     self->Destroy(req, res);
                   }));
    server->Get(R"(/infrastructures/([^/]+)/?)", [self](auto& req, auto& res) {
      self->Describe(req, res);
    });
    server->Post(R"(/infrastructures/([^/]+)/(scaleup|scaledown|scaleto)/([^/]+)(?:/([^/]+))?/?)",
                 Mutating("scale", [self](auto& req, auto& res) {
                   self->ScaleRoute(req, res);
                 }));
  }

 private:
  using Handler = std::function<void(const httplib::Request&,
                                     httplib::Response&)>;

  // A mutating route: the token is checked before any of the body is read
  // (an unauthenticated client must not make the daemon read megabytes),
  // then the body is read up to kMaxBodyBytes however it is sent
  // (Content-Length, chunked), and every answer is counted.
  //
  // httplib 0.11 reads a POST body up to the end of the connection when
  // the request has neither Content-Length nor Transfer-Encoding, and
  // answers 400 five seconds later. That is how `curl -X POST URL` sends
  // one — how Occopus's documentation scales a node. Such a request has no
  // body (RFC 9112, section 6.3): this reads one only when it is announced.
  httplib::Server::HandlerWithContentReader Mutating(std::string route,
                                                     Handler inner) {
    std::shared_ptr<Routes> self = shared_from_this();
    return [self, route, inner](const httplib::Request& req,
                                httplib::Response& res,
                                const httplib::ContentReader& read) {
      httplib::Request with_body = req;
      bool body_read = false;
      if (!self->Authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer");
        ReplyError(res, 401, "a bearer token is required (Authorization: "
                             "Bearer TOKEN, from occam serve's token file)");
      } else if (!ReadBody(req, res, read, &with_body.body)) {
        ReplyError(res, res.status, res.status == 413
                                        ? "the request body is larger than " +
                                              std::to_string(kMaxBodyBytes) +
                                              " bytes"
                                        : "the request body was cut short");
      } else {
        body_read = true;
        inner(with_body, res);
      }
      // What was not read of the body must not be read as a request: the
      // connection is shut down once this answer is written (the logger).
      if (!body_read) res.set_header("Connection", "close");
      self->metrics_->Request(route, res.status);
    };
  }

  // False with res.status 413 (too large) or 400 (cut short).
  static bool ReadBody(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& read, std::string* body) {
    if (!req.has_header("Content-Length") &&
        !req.has_header("Transfer-Encoding")) {
      return true;
    }
    bool too_large = false;
    bool ok = read([&](const char* data, size_t size) {
      too_large = body->size() + size > kMaxBodyBytes;
      if (!too_large) body->append(data, size);
      return !too_large;
    });
    if (ok) return true;
    res.status = too_large || res.status == 413 ? 413 : 400;
    return false;
  }

  // RFC 9110: the scheme is case-insensitive; white space around the
  // credentials is not part of them.
  bool Authorized(const httplib::Request& req) const {
    if (token_.empty()) return true;
    std::string auth = req.get_header_value("Authorization");
    size_t space = auth.find(' ');
    if (space == std::string::npos) return false;
    std::string scheme = auth.substr(0, space);
    for (char& c : scheme) c = static_cast<char>(std::tolower(c));
    size_t begin = auth.find_first_not_of(' ', space);
    size_t end = auth.find_last_not_of(' ');
    if (scheme != "bearer" || begin == std::string::npos) return false;
    return SameSecret(auth.substr(begin, end + 1 - begin), token_);
  }

  void Alerts(const httplib::Request& req, httplib::Response& res) {
    json answer;
    Status s = daemon_->OnAlerts(req.body, &answer);
    if (!s.ok()) return ReplyError(res, HttpCode(s), s.message());
    Reply(res, 200, answer);
  }

  bool KnownInfra(const std::string& id, httplib::Response& res) {
    if (id == daemon_->infra_id()) return true;
    ReplyError(res, 404, "no infrastructure '" + id + "'; this one is " +
                             daemon_->infra_id());
    return false;
  }

  void Describe(const httplib::Request& req, httplib::Response& res) {
    if (!KnownInfra(req.matches[1], res)) return;
    json out;
    Status s = daemon_->Describe(&out);
    if (!s.ok()) return ReplyError(res, HttpCode(s), s.message());
    Reply(res, 200, out);
  }

  void Create(const httplib::Request& req, httplib::Response& res) {
    Diagnostics diags;
    Status s = daemon_->Create(req.body, &diags);
    if (!s.ok()) {
      json out = {{"status_code", HttpCode(s)}, {"reason", s.message()}};
      // The messages occam validate prints, the file named "request".
      if (!diags.empty()) {
        out["message"] = diags.ToString();
        out["diagnostics"] = DiagnosticsToJson(diags);
      }
      return Reply(res, HttpCode(s), out);
    }
    json out = {{"infraid", daemon_->infra_id()}};
    if (!diags.warnings().empty()) out["diagnostics"] = DiagnosticsToJson(diags);
    Reply(res, 200, out);
  }

  void Destroy(const httplib::Request& req, httplib::Response& res) {
    if (!KnownInfra(req.matches[1], res)) return;
    Status s = daemon_->Destroy();
    if (!s.ok()) return ReplyError(res, HttpCode(s), s.message());
    Reply(res, 200, {{"infraid", daemon_->infra_id()}});
  }

  void ScaleRoute(const httplib::Request& req, httplib::Response& res) {
    if (!KnownInfra(req.matches[1], res)) return;
    std::string method = req.matches[2], node = req.matches[3],
                arg = req.matches[4];
    ScaleRequest request;
    request.node = node;
    request.cause = "rest";
    request.cause_detail = {{"method", method}, {"path", req.path}};
    int count = 1;
    if (method == "scaleto") {
      request.relative = false;
      if (!Integer(arg, &count)) {
        return ReplyError(res, 400, "scaleto needs a count, not '" + arg + "'");
      }
      request.amount = count;
    } else if (method == "scaleup") {
      if (!arg.empty() && !Integer(arg, &count)) {
        return ReplyError(res, 400, "scaleup takes a count, not '" + arg + "'");
      }
      request.amount = count;
    } else {
      request.amount = -1;
      if (!arg.empty()) {
        request.instance = arg.find('[') == std::string::npos
                               ? node + "[" + arg + "]"
                               : arg;
      }
    }
    ScaleDecision decision;
    Status s = daemon_->Scale(request, &decision);
    if (!s.ok()) return ReplyError(res, HttpCode(s), s.message());
    json out = {{"method", method},
                {"infraid", daemon_->infra_id()},
                {"nodename", node},
                {"from", decision.from},
                {"to", decision.to},
                {"message", decision.message}};
    if (method != "scaledown") out["count"] = count;
    if (!request.instance.empty()) out["instance"] = request.instance;
    Reply(res, 200, out);
  }

  ServeDaemon* daemon_;
  ServeMetrics* metrics_;
  std::string token_;
};

// Raises the soft limit of open files towards kWantedOpenFiles (never
// above the hard limit), so that many clients at once do not stop the
// accept loop.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t wanted = std::min<rlim_t>(limit.rlim_max, kWantedOpenFiles);
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = wanted;
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

ServeHttp::ServeHttp(ServeDaemon* daemon, ServeMetrics* metrics,
                     const std::string& token,
                     std::chrono::milliseconds request_timeout)
    : server_(std::make_unique<httplib::Server>()),
      request_timeout_(request_timeout) {
  RaiseOpenFileLimit();
  httplib::Server* server = server_.get();
  std::make_shared<Routes>(daemon, metrics, token)->Add(server);
  server->set_payload_max_length(kMaxBodyBytes);
  // Whatever escapes a handler is answered in JSON like every other error,
  // never with an empty body.
  server->set_error_handler([](const httplib::Request& req,
                               httplib::Response& res) {
    if (res.body.empty()) {
      ReplyError(res, res.status,
                 res.status == 404 ? "no route " + req.method + " " + req.path
                                   : "the request was refused");
    }
  });
  server->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        ReplyError(res, 500, "occam serve failed to answer this request");
      });
  // httplib's default pool (8 workers here) is filled by as many keep-alive
  // clients, and /healthz and scrapes then queue behind them: a storm of
  // webhook connections must not make the daemon look dead.
  server->new_task_queue = [] {
    return new ConnectionPool(kWorkers, kMaxConnectionThreads);
  };
  // Headers and body go out in separate writes: without TCP_NODELAY the
  // body waits for the client's delayed ACK (40 ms per answer).
  server->set_tcp_nodelay(true);
  // An answer written: the connection's next request starts its clock —
  // unless the answer closes it. httplib 0.11 keeps a connection open
  // whatever the answer says, and would read an unread body as the next
  // request (a request smuggled in the body of a refused one was answered).
  server->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (!deadline_) return;
    if (res.get_header_value("Connection") == "close") {
      deadline_->ShutDown(req.remote_addr, req.remote_port);
    } else {
      deadline_->ResponseDone(req.remote_addr, req.remote_port);
    }
  });
}

ServeHttp::~ServeHttp() = default;

Status ServeHttp::Bind(const std::string& host, int port, int* bound_port) {
  if (port == 0) {
    port = server_->bind_to_any_port(host);
  } else if (!server_->bind_to_port(host, port)) {
    port = -1;
  }
  if (port < 0) return Status::Unavailable("cannot listen");
  *bound_port = port;
  WidenListenBacklog(port, SOMAXCONN);
  deadline_ = std::make_unique<RequestDeadline>(port, request_timeout_);
  return Status::Ok();
}

void ServeHttp::Run() {
  if (deadline_) deadline_->StartWatching();
  server_->listen_after_bind();
}

void ServeHttp::Stop() { server_->stop(); }

}  // namespace occam
