// `occam rules`: writes the Prometheus alerting rules of the descriptor's
// scaling policies, the Alertmanager configuration that sends their alerts
// to occam serve (with serve's token), and the Prometheus configuration
// that ties them together — the monitoring half of the MiCADO loop.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "autoscale/alert_rules.h"
#include "autoscale/monitoring_files.h"
#include "base/atomic_file.h"
#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/serve_token.h"
#include "cli/state_options.h"

namespace occam {
namespace {

struct RulesOptions {
  CompileOptions compile;
  StateOptions state;
  std::string rules_out;         // "" = stdout
  std::string alertmanager_out;  // "" = not written
  std::string prometheus_out;    // "" = not written
  ReceiverOptions receiver;
  bool no_auth = false;
  std::string alertmanager_address = "127.0.0.1:9093";
  std::string targets_dir;
  std::vector<std::string> scrape_nodes;
  std::vector<std::string> scrape_static;  // NAME=HOST:PORT[,HOST:PORT]
  std::string scrape_interval, evaluation_interval;
  std::vector<std::string> reload_urls;
};

Status WriteText(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return Status::Ok();
  }
  return WriteFileAtomically(path, text, 0644);
}

// Prometheus and Alertmanager may run from another folder.
std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// The receiver always carries the credentials serve expects: serve's token
// file (made now when missing), unless serve runs with --no-auth.
Status ReceiverCredentials(const RulesOptions& o, ReceiverOptions* receiver) {
  if (o.no_auth) {
    receiver->token_file.clear();
    return Status::Ok();
  }
  std::string path = receiver->token_file.empty()
                         ? BesideState(o.state, "occam-serve.token")
                         : receiver->token_file;
  std::string token;
  Status s = LoadOrMakeServeToken(path, &token);
  receiver->token_file = Absolute(path);
  return s;
}

Status PrometheusSettings(const RulesOptions& o, const Descriptor& descriptor,
                          PrometheusOptions* out) {
  if (o.rules_out.empty() || o.rules_out == "-") {
    return Status::InvalidArgument(
        "--prometheus-out needs --out FILE: the rules file prometheus.yml "
        "loads");
  }
  out->rules_file = Absolute(o.rules_out);
  out->targets_dir = Absolute(TargetsDir(o.state, o.targets_dir));
  out->alertmanager = o.alertmanager_address;
  out->scrape_interval = o.scrape_interval;
  out->evaluation_interval = o.evaluation_interval;
  for (const std::string& node : o.scrape_nodes) {
    if (descriptor.FindNode(node) < 0) {
      return Status::InvalidArgument("--scrape " + node +
                                     ": the descriptor has no such node");
    }
    out->scrape_nodes.push_back(node);
  }
  for (const std::string& job : o.scrape_static) {
    size_t eq = job.find('=');
    std::string name = job.substr(0, eq == std::string::npos ? 0 : eq);
    if (name.empty() || eq + 1 >= job.size() || descriptor.FindNode(name) >= 0) {
      return Status::InvalidArgument(
          "--scrape-static '" + job + "' is not NAME=HOST:PORT[,HOST:PORT] "
          "with a NAME that is not a node's (node types are jobs already)");
    }
    std::vector<std::string> targets;
    for (size_t at = eq + 1; at <= job.size();) {
      size_t comma = std::min(job.find(',', at), job.size());
      if (comma > at) targets.push_back(job.substr(at, comma - at));
      at = comma + 1;
    }
    out->static_jobs.push_back({name, targets});
  }
  return Status::Ok();
}

// An http(s) URL with a host and nothing Alertmanager or curl would
// refuse (white space, control characters); "" when it is one.
std::string UrlProblem(const std::string& url) {
  size_t scheme = url.find("://");
  std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
  if (name != "http" && name != "https") return "is not an http:// or https:// URL";
  size_t host = scheme + 3;
  if (host >= url.size() || url[host] == '/' || url[host] == ':') return "names no host";
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7f) return "holds white space or a control character";
  }
  return "";
}

Status CheckReceiverUrl(const std::string& url) {
  std::string problem = UrlProblem(url);
  if (problem.empty()) return Status::Ok();
  return Status::InvalidArgument("--url '" + url + "' " + problem +
                                 ": Alertmanager would refuse its configuration");
}

Status CheckReloadUrls(const std::vector<std::string>& urls) {
  for (const std::string& url : urls) {
    std::string problem = UrlProblem(url);
    if (!problem.empty()) {
      return Status::InvalidArgument("--reload '" + url + "' " + problem +
                                     " (e.g. http://127.0.0.1:9090/-/reload)");
    }
  }
  return Status::Ok();
}

// What the options write, as apply keeps it in step (files written to
// stdout are not kept).
MonitoringFiles FilesOf(const RulesOptions& o, const PrometheusOptions& prometheus) {
  MonitoringFiles files;
  auto kept = [](const std::string& path) {
    return path.empty() || path == "-" ? std::string() : Absolute(path);
  };
  files.rules = kept(o.rules_out);
  files.alertmanager = kept(o.alertmanager_out);
  files.prometheus = kept(o.prometheus_out);
  files.receiver = o.receiver;
  files.options = prometheus;
  files.reload_urls = o.reload_urls;
  return files;
}

// Only what Prometheus and Alertmanager would accept is written.
Status WriteChecked(const RulesOptions& o, const MonitoringFiles& files,
                    const std::vector<std::pair<std::string, std::string>>& texts) {
  bool checked = false;
  Status s = CheckMonitoringTexts(files, texts, &checked);
  if (!s.ok()) return s;
  if (!checked && !texts.empty()) {
    std::cerr << "occam rules: promtool and amtool are not installed; the "
                 "files are written unchecked\n";
  }
  if (files.rules.empty()) s = WriteText(o.rules_out, texts.front().second);
  for (const auto& [path, text] : texts) {
    if (s.ok() && !path.empty()) s = WriteText(path, text);
  }
  return s;
}

int RunRules(RulesOptions o) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(o.compile, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  PrometheusOptions prometheus;
  Status s = CheckReloadUrls(o.reload_urls);
  if (s.ok() && !o.prometheus_out.empty()) s = PrometheusSettings(o, descriptor, &prometheus);
  if (s.ok() && !o.alertmanager_out.empty()) s = ReceiverCredentials(o, &o.receiver);
  if (s.ok()) s = CheckReceiverUrl(o.receiver.url);
  // The rules carry the state's infra_id, fixed when the state is made.
  std::unique_ptr<StateStore> store;
  StateSnapshot state;
  if (s.ok()) s = OpenState(o.state, /*create=*/true, &store);
  if (s.ok()) s = store->Load(&state);
  MonitoringFiles files = FilesOf(o, prometheus);
  std::vector<std::pair<std::string, std::string>> texts;
  if (s.ok()) {
    // The rules first: to stdout when no --out names a file.
    MonitoringFiles all = files;
    if (all.rules.empty()) all.rules = "-";
    texts = RenderMonitoringFiles(descriptor, state.infra_id, all);
    if (files.rules.empty()) texts.front().first = "";
    s = WriteChecked(o, files, texts);
  }
  // Every apply keeps what was written to files in step with the policies.
  // One setting, committed atomically without the state lock: rules may be
  // written while serve applies.
  if (s.ok() && !files.rules.empty()) {
    StateChange change;
    change.set_settings[kMonitoringSetting] = MonitoringFilesToJson(files);
    int64_t serial = 0;
    s = store->Commit(change, &serial);
  }
  return s.ok() ? kExitOk : ReportError(s, std::cerr);
}

}  // namespace

void RegisterRulesCommand(CLI::App* app, CommandList* commands) {
  auto o = std::make_shared<RulesOptions>();
  o->receiver.url = "http://127.0.0.1:9798/api/v1/alerts";
  CLI::App* cmd = app->add_subcommand(
      "rules",
      "Write Prometheus alerting rules for the scaling policies, the "
      "Alertmanager receiver for occam serve, and prometheus.yml");
  AddDescriptorOptions(cmd, &o->compile);
  AddStateOptions(cmd, &o->state, /*can_create=*/true);
  cmd->add_option("--out", o->rules_out, "rules file (default: stdout)");
  cmd->add_option("--alertmanager-out", o->alertmanager_out,
                  "also write an Alertmanager configuration here");
  cmd->add_option("--prometheus-out", o->prometheus_out,
                  "also write a Prometheus configuration here (needs --out)");
  cmd->add_option("--url", o->receiver.url,
                  "occam serve's webhook URL")->capture_default_str();
  cmd->add_option("--token-file", o->receiver.token_file,
                  "the bearer token file Alertmanager sends (occam serve's "
                  "--token-file; default occam-serve.token beside the state, "
                  "made when missing)");
  cmd->add_option("--reload", o->reload_urls,
                  "after an apply rewrites these files, POST this URL: "
                  "http://127.0.0.1:9090/-/reload (Prometheus started with "
                  "--web.enable-lifecycle), http://127.0.0.1:9093/-/reload "
                  "(Alertmanager); repeatable");
  cmd->add_flag("--no-auth", o->no_auth,
                "write a receiver without credentials (for serve --no-auth)");
  cmd->add_option("--group-wait", o->receiver.group_wait,
                  "default: the evaluation interval the policies set");
  cmd->add_option("--group-interval", o->receiver.group_interval,
                  "default: the evaluation interval the policies set");
  cmd->add_option("--repeat-interval", o->receiver.repeat_interval,
                  "default: the shortest policy cooldown");
  cmd->add_option("--alertmanager-address", o->alertmanager_address,
                  "where Prometheus sends alerts")->capture_default_str();
  AddTargetsDirOption(cmd, &o->targets_dir);
  cmd->add_option("--scrape", o->scrape_nodes,
                  "also scrape this node type (those with a policy are)");
  cmd->add_option("--scrape-static", o->scrape_static,
                  "NAME=HOST:PORT[,HOST:PORT]: a job of fixed targets "
                  "(a node exporter, say)");
  cmd->add_option("--scrape-interval", o->scrape_interval,
                  "default: the evaluation interval");
  cmd->add_option("--evaluation-interval", o->evaluation_interval,
                  "default: a quarter of the shortest for_up/for_down, "
                  "1s to 1m");
  commands->push_back({cmd, [o] { return RunRules(*o); }});
}

}  // namespace occam
