// `occam serve`: the autoscaling daemon. Listens on loopback by default,
// takes scaling decisions from Alertmanager and the Occopus REST API, and
// re-plans and applies them; SIGTERM or SIGINT finish the running apply and
// exit 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "base/uuid.h"
#include "autoscale/served_config.h"
#include "autoscale/serve_log.h"
#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/serve_token.h"
#include "autoscale/serve_daemon.h"
#include "autoscale/serve_http.h"
#include "cli/state_options.h"
#include "state/state_settings.h"

namespace occam {
namespace {

struct ServeOptions {
  CompileOptions compile;
  StateOptions state;
  std::string listen = "127.0.0.1:9798";
  std::string token_file;  // default: occam-serve.token beside the state
  bool no_auth = false;
  std::string interval = "30s";
  std::string request_timeout = "30s";
  std::string targets_dir;  // default: occam-targets beside the state
  int parallelism = 10;
  int health_failures = 3;
  std::string prometheus;
  bool watch = false;
  std::string log_format = "logfmt";
  // Folders a descriptor POSTed to /infrastructures/ may import from,
  // besides the node definitions' folder.
  std::vector<std::string> posted_imports;
};

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop = true; }
// SIGHUP: read the descriptor files again now.
std::atomic<bool> g_reread{false};
void OnHangup(int) { g_reread = true; }

// HOST:PORT, [IPV6]:PORT; *host is without brackets.
Status ParseListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  std::string p = colon == std::string::npos ? "" : listen.substr(colon + 1);
  *host = colon == std::string::npos ? "" : listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  bool number = !p.empty() && p.size() <= 5 &&
                p.find_first_not_of("0123456789") == std::string::npos;
  if (!number || host->empty() || std::stoi(p) > 65535) {
    return Status::InvalidArgument(
        "--listen '" + listen +
        "' is not HOST:PORT with a port from 0 to 65535, e.g. "
        "127.0.0.1:9798 or [::1]:9798");
  }
  *port = std::stoi(p);
  return Status::Ok();
}

// Records this process as the state's daemon, under the state lock so
// that two serves starting at once cannot both take it; refuses when a
// live serve holds it.
// `leading`: this serve holds the leadership of a shared state, so that any
// lease recorded is a former leader's, which has ended.
Status TakeDaemonLease(const StateOptions& options, const std::string& listen,
                       DaemonLease* lease, bool leading = false) {
  std::unique_ptr<StateStore> store;
  Status s = OpenState(options, /*create=*/true, &store);
  if (!s.ok()) return s;
  // Unattended, as every round: a stale lock is taken over and logged. A
  // live holder (a CLI apply) is not waited for; only two serves starting
  // in the same instant could then both pass the check below.
  std::unique_ptr<StateLock> lock;
  LockInfo stale;
  s = StateLock::Acquire(store.get(), ShownLocation(options.path), "serve",
                         std::chrono::milliseconds(0), &lock, &stale);
  if (s.ok() && !stale.id.empty()) s = LogLockTakeover(store.get(), stale);
  if (!s.ok() && s.code() != Status::Code::kBusy) return s;
  StateSnapshot state;
  s = store->Load(&state);
  // Its rounds apply: providers are handed the secrets.
  if (s.ok()) s = store->SecretsReadable();
  if (!s.ok()) return s;
  if (std::optional<DaemonLease> other = LiveDaemon(state); other && !leading) {
    return Status::Busy(DescribeDaemon(*other) +
                        " already manages " + ShownLocation(options.path) +
                        "; one daemon per state (stop it first)");
  }
  lease->process = ThisProcessLockInfo("serve");
  lease->listen = listen;
  StateChange change;
  change.set_settings[kDaemonSetting] = DaemonLeaseToJson(*lease);
  int64_t serial = 0;
  return store->Commit(change, &serial);
}

// A standby tries for the leadership four times a second; once it holds
// it, it records itself as the state's daemon and leads.
void StandBy(const StateOptions& state, const std::string& url,
             StateStore* leadership, ServeDaemon* daemon, DaemonLease* lease,
             ServeLog* log) {
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    Status lead = leadership->TryLead();
    if (lead.code() == Status::Code::kBusy) continue;
    if (lead.ok()) lead = TakeDaemonLease(state, url, lease, /*leading=*/true);
    if (!lead.ok()) {
      log->Log("error", "standby", "cannot take the lead: " + lead.message());
      continue;
    }
    daemon->Promote();
    return;
  }
}

// Removes the lease when it is still this process's.
void ReleaseDaemonLease(const StateOptions& options, const DaemonLease& lease) {
  std::unique_ptr<StateStore> store;
  StateSnapshot state;
  if (!OpenState(options, /*create=*/false, &store).ok() ||
      !store->Load(&state).ok()) {
    return;
  }
  auto it = state.settings.find(kDaemonSetting);
  if (it == state.settings.end() || it->second != DaemonLeaseToJson(lease)) return;
  StateChange change;
  change.set_settings[kDaemonSetting] = "";
  int64_t serial = 0;
  store->Commit(change, &serial);
}

// What serve starts with: the descriptor -f names, or none (it waits for
// POST /infrastructures/, or follows what the state says was applied).
bool LoadConfig(const ServeOptions& o,
                std::shared_ptr<const ServedConfig>* config) {
  if (o.compile.infra_path.empty()) {
    if (o.compile.nodes_path.empty()) {
      std::cerr << "Error: occam serve needs -f DESCRIPTOR, or --nodes "
                   "NODE_DEFINITIONS to wait for POST /infrastructures/\n";
      return false;
    }
    auto empty = std::make_shared<ServedConfig>();
    empty->options = o.compile;
    *config = std::move(empty);
    return true;
  }
  Diagnostics diags;
  bool compiled = LoadServedConfig(o.compile, config, &diags);
  std::cerr << diags.WarningsToString();
  if (!compiled) std::cerr << diags.ToString();
  return compiled;
}

// How serve reads a descriptor posted to it: with its node definitions,
// named as validate names them (the posted file lives beside the state,
// so they cannot be found beside it).
// How serve compiles a POSTed descriptor: with the node definitions it was
// started with, and imports only from their folder and --posted-imports
// (a client must not read the files beside the state: its log, its token).
CompileOptions PostedCompileOptions(const ServeOptions& o) {
  CompileOptions options = o.compile;
  options.nodes_path = NodeDefinitionsPath(o.compile);
  options.infra_path.clear();
  options.allow_outside_imports = false;
  std::filesystem::path nodes_dir = std::filesystem::path(options.nodes_path).parent_path();
  options.import_roots = {nodes_dir.empty() ? "." : nodes_dir.string()};
  for (const std::string& dir : o.posted_imports) options.import_roots.push_back(dir);
  options.outside_imports =
      "the folders a posted descriptor may import from (the node definitions' "
      "folder, and serve's --posted-imports); import only from there";
  return options;
}

int RunServe(const ServeOptions& o) {
  ServeLog::Format format;
  if (!ParseLogFormat(o.log_format, &format)) {
    std::cerr << "Error: --log-format is logfmt or json, not '" << o.log_format
              << "'\n";
    return kExitUsage;
  }
  ServeLog log(format, std::cerr);
  std::shared_ptr<const ServedConfig> config;
  if (!LoadConfig(o, &config)) return kExitError;
  std::string host, token;
  int port = 0;
  std::chrono::milliseconds interval, request_timeout;
  Status s = ParseListen(o.listen, &host, &port);
  if (s.ok()) s = ParseDuration(o.interval, &interval);
  if (s.ok()) s = ParseDuration(o.request_timeout, &request_timeout);
  if (s.ok() && request_timeout.count() <= 0) {
    s = Status::InvalidArgument("--request-timeout must be longer than 0s");
  }
  if (s.ok() && !o.no_auth) {
    s = LoadOrMakeServeToken(o.token_file.empty()
                            ? BesideState(o.state, "occam-serve.token")
                            : o.token_file,
                        &token);
  }
  // A state in PostgreSQL may be shared by several serves: the one that
  // holds the leadership (on this connection, for the process's life)
  // leads; the others stand by.
  bool shared = IsPostgresLocation(o.state.path), standby = false;
  std::unique_ptr<StateStore> leadership;
  if (s.ok() && shared) {
    s = OpenState(o.state, /*create=*/true, &leadership);
    Status lead = s.ok() ? leadership->TryLead() : s;
    standby = lead.code() == Status::Code::kBusy;
    if (!standby) s = lead;
  }
  std::unique_ptr<StateStore> decisions, applies;
  if (s.ok()) s = OpenState(o.state, /*create=*/true, &decisions);
  if (s.ok()) s = OpenState(o.state, /*create=*/false, &applies);
  if (!s.ok()) return ReportError(s, std::cerr);

  ProviderRegistry providers(ProviderOptionsFor(o.state));
  NetworkHealthChecker health;
  ServeMetrics metrics;
  ServeDaemonOptions options;
  options.state_path = ShownLocation(o.state.path);
  options.targets_dir = TargetsDir(o.state, o.targets_dir);
  options.interval = interval;
  options.parallelism = std::max(1, o.parallelism);
  options.health_failures = std::max(0, o.health_failures);
  options.watch = o.watch;
  options.log = &log;
  options.compile = PostedCompileOptions(o);
  options.posted_path = BesideState(o.state, "occam-posted-infra.yaml");
  options.standby = standby;
  options.shared_state = shared;
  options.prometheus_url = o.prometheus;
  ServeDaemon daemon(config, std::move(decisions),
                     std::move(applies), &providers, &health, &metrics,
                     options);

  ServeHttp server(&daemon, &metrics, token, request_timeout);
  if (!server.Bind(host, port, &port).ok()) {
    return ReportError(Status::Unavailable("cannot listen on " + o.listen +
                                           "; is the port taken?"),
                       std::cerr);
  }
  std::string url = "http://" +
                    (host.find(':') == std::string::npos ? host : "[" + host + "]") +
                    ":" + std::to_string(port);
  DaemonLease lease;
  if (!standby) {
    Status leased = TakeDaemonLease(o.state, url, &lease, shared);
    if (!leased.ok()) return ReportError(leased, std::cerr);
  }
  struct sigaction action {};
  action.sa_handler = OnStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  struct sigaction hangup {};
  hangup.sa_handler = OnHangup;
  sigaction(SIGHUP, &hangup, nullptr);
  std::cout << "occam serve: infrastructure " << daemon.infra_id()
            << " listening on " << url
            << (token.empty() ? " (no authentication)" : "") << std::endl;
  log.Log("info", "listening", "serving infrastructure " + daemon.infra_id(),
          {{"url", url}, {"infra_id", daemon.infra_id()}, {"auth", !token.empty()}});

  std::thread http([&] { server.Run(); });
  std::thread loop([&] { daemon.Run(); });
  std::thread promote;
  if (standby) {
    log.Log("info", "standby", "another serve leads this state; standing by");
    promote = std::thread([&] { StandBy(o.state, url, leadership.get(), &daemon, &lease, &log); });
  }
  int exit_code = kExitOk;
  for (int tick = 1; !g_stop; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_reread.exchange(false)) daemon.RereadFiles();
    // A leader whose leadership ended (its database connection is gone) may
    // already have a successor: it stops rather than lead beside it, as a
    // Kubernetes controller does; restarted, it stands by.
    if (!shared || daemon.standby() || tick % 20 != 0) continue;
    Status leads = leadership->StillLeads();
    if (leads.ok()) continue;
    log.Log("error", "leadership_lost",
            leads.message() + "; stopping after the running apply (a standby "
            "leads now; restart this serve to stand by)");
    exit_code = kExitError;
    g_stop = true;
  }
  std::cout << "occam serve: stopping after the running apply" << std::endl;
  log.Log("info", "stopping", "stopping after the running apply");
  server.Stop();
  daemon.Stop();
  http.join();
  loop.join();
  if (promote.joinable()) promote.join();
  // A lost leader leaves the lease to its successor.
  if (exit_code == kExitOk) ReleaseDaemonLease(o.state, lease);
  return exit_code;
}

}  // namespace

void RegisterServeCommand(CLI::App* app, CommandList* commands) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app->add_subcommand(
      "serve",
      "Run the autoscaling daemon: Alertmanager webhook, Occopus REST API, "
      "/metrics; applies every count change");
  AddDescriptorOptions(cmd, &o->compile);
  // Without -f, serve waits for POST /infrastructures/ (as Occopus's REST
  // service does) or follows what the state says was applied.
  cmd->get_option("--file")
      ->required(false)
      ->description("Occopus infrastructure descriptor (default: infra.yaml, or "
                    "the one infra*.yaml, in the current folder; with --nodes "
                    "and no -f, serve waits for POST /infrastructures/)");
  AddStateOptions(cmd, &o->state, /*can_create=*/true);
  cmd->add_option("--listen", o->listen,
                  "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--token-file", o->token_file,
                  "bearer token for mutating requests; made when missing "
                  "(default: occam-serve.token beside the state)");
  cmd->add_option("--posted-imports", o->posted_imports,
                  "a folder descriptors POSTed to /infrastructures/ may import "
                  "from, besides the node definitions' folder (repeatable)");
  cmd->add_flag("--no-auth", o->no_auth,
                "accept mutating requests without a token");
  cmd->add_option("--interval", o->interval,
                  "how often to refresh and repair")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o->request_timeout,
                  "how long a client may take to send one request, headers "
                  "and body; slower connections are closed")
      ->capture_default_str();
  AddTargetsDirOption(cmd, &o->targets_dir);
  cmd->add_option("--parallelism", o->parallelism)->capture_default_str();
  cmd->add_option("--health-failures", o->health_failures,
                  "recreate an instance whose health checks fail this many "
                  "rounds in a row (0: check only at creation)")
      ->capture_default_str();
  cmd->add_option("--prometheus", o->prometheus,
                  "Prometheus's address (http://127.0.0.1:9090): the status "
                  "page plots each scaling policy's metric as it recorded it");
  cmd->add_option("--log-format", o->log_format,
                  "logfmt or json: one line per event on stderr")
      ->capture_default_str();
  cmd->add_flag("--watch", o->watch,
                "apply the descriptor when its files change (without it, "
                "serve says that they differ from what was applied)");
  // The folder's descriptor only when no --nodes asks serve to wait for
  // a posted one.
  o->compile.infra_path.clear();
  commands->push_back({cmd, [o] {
                         if (o->compile.infra_path.empty() && o->compile.nodes_path.empty()) {
                           o->compile.infra_path = DefaultDescriptorPath();
                         }
                         return RunServe(*o);
                       }});
}

}  // namespace occam
