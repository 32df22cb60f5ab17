// `occam output [NAME] [-json]`: where each node type's instances run, as
// Terraform's `output` gives a configuration's outputs to scripts: one
// output per node type, its instances with their ids, addresses, ports and
// endpoints.
#include <iostream>

#include "cli/command.h"
#include "cli/state_options.h"
#include "cli/state_outputs.h"

namespace occam {
namespace {

struct OutputOptions {
  StateOptions state;
  std::string name;
  bool json = false;
  bool raw = false;
};

// -raw: the endpoints, one a line, as a shell loop reads them.
std::string RawLines(const nlohmann::json& value) {
  std::string out;
  for (const nlohmann::json& instance : value) {
    std::string endpoint = instance.value("endpoint", "");
    if (!endpoint.empty()) out += endpoint + "\n";
  }
  return out;
}

int RunOutput(const OutputOptions& o) {
  std::unique_ptr<StateStore> store;
  StateSnapshot state;
  Status s = OpenStateReadOnly(o.state, &store);
  if (s.ok()) s = store->Load(&state);
  if (!s.ok()) return ReportError(s, std::cerr);
  nlohmann::json outputs = OutputsJson(state);
  if (o.name.empty()) {
    if (o.json) {
      std::cout << outputs.dump(2) << "\n";
      return kExitOk;
    }
    if (outputs.empty()) {
      std::cerr << "\nWarning: No outputs found\n\nThe state has no instances: "
                   "occam apply builds them.\n";
      return kExitOk;
    }
    for (const auto& [node, o_] : outputs.items()) {
      std::cout << node << " = " << o_["value"].dump(2) << "\n";
    }
    return kExitOk;
  }
  if (!outputs.contains(o.name)) {
    return ReportError(
        Status::NotFound("output '" + o.name + "' not found: the state has no "
                         "instances of a node type named " + o.name +
                         "; occam output lists the outputs"),
        std::cerr);
  }
  const nlohmann::json& value = outputs[o.name]["value"];
  if (o.raw) {
    std::cout << RawLines(value);
  } else {
    std::cout << value.dump(o.json ? -1 : 2) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterOutputCommand(CLI::App* app, CommandList* commands) {
  auto o = std::make_shared<OutputOptions>();
  CLI::App* cmd = app->add_subcommand(
      "output", "Where each node type's instances run: ids, addresses, ports, "
                "endpoints");
  cmd->add_option("NAME", o->name, "one node type");
  auto* json = cmd->add_flag("--json", o->json, "print JSON, as Terraform's output -json");
  cmd->add_flag("--raw", o->raw, "with NAME: its endpoints (ip:port), one a line")
      ->excludes(json);
  AddStateOptions(cmd, &o->state, false);
  commands->push_back({cmd, [o]() -> int {
                         if (o->raw && o->name.empty()) {
                           std::cerr << "Error: -raw needs an output NAME\n";
                           return kExitUsage;
                         }
                         return RunOutput(*o);
                       }});
}

}  // namespace occam
