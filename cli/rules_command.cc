// `occam rules`: writes the Prometheus alerting rules of the descriptor's
// scaling policies and the Alertmanager configuration that sends their
// alerts to occam serve.
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/state_options.h"
#include "autoscale/alert_rules.h"

namespace occam {
namespace {

struct RulesOptions {
  CompileOptions compile;
  StateOptions state;
  std::string rules_out;         // "" = stdout
  std::string alertmanager_out;  // "" = not written
  ReceiverOptions receiver;
};

Status WriteText(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  return out ? Status::Ok() : Status::IOError("cannot write " + path);
}

int RunRules(const RulesOptions& o) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(o.compile, &descriptor, &graph, std::cerr)) {
    return kExitError;
  }
  // The rules carry the state's infra_id, fixed when the state is made.
  std::unique_ptr<SqliteStateStore> store;
  StateSnapshot state;
  Status s = OpenState(o.state, /*create=*/true, &store);
  if (s.ok()) s = store->Load(&state);
  if (s.ok()) s = WriteText(o.rules_out, AlertRulesYaml(descriptor, state.infra_id));
  if (s.ok() && !o.alertmanager_out.empty()) {
    s = WriteText(o.alertmanager_out,
                  AlertmanagerConfigYaml(state.infra_id, o.receiver));
  }
  return s.ok() ? kExitOk : ReportError(s, std::cerr);
}

}  // namespace

void RegisterRulesCommand(CLI::App* app, CommandList* commands) {
  auto o = std::make_shared<RulesOptions>();
  o->receiver.url = "http://127.0.0.1:9798/api/v1/alerts";
  CLI::App* cmd = app->add_subcommand(
      "rules",
      "Write Prometheus alerting rules for the scaling policies, and the "
      "Alertmanager receiver for occam serve");
  AddDescriptorOptions(cmd, &o->compile);
  AddStateOptions(cmd, &o->state, /*can_create=*/true);
  cmd->add_option("--out", o->rules_out, "rules file (default: stdout)");
  cmd->add_option("--alertmanager-out", o->alertmanager_out,
                  "also write an Alertmanager configuration here");
  cmd->add_option("--url", o->receiver.url,
                  "occam serve's webhook URL")->capture_default_str();
  cmd->add_option("--token-file", o->receiver.token_file,
                  "the bearer token file Alertmanager sends (occam serve's "
                  "--token-file)");
  cmd->add_option("--group-wait", o->receiver.group_wait)->capture_default_str();
  cmd->add_option("--group-interval", o->receiver.group_interval)
      ->capture_default_str();
  cmd->add_option("--repeat-interval", o->receiver.repeat_interval)
      ->capture_default_str();
  commands->push_back({cmd, [o] { return RunRules(*o); }});
}

}  // namespace occam
