// `occam show FILE`: renders a saved plan; `occam show` with no file, the
// current state (-json: Terraform's state representation).
#include <algorithm>
#include <iostream>
#include <tuple>

#include "cli/color.h"
#include "cli/command.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "cli/state_outputs.h"
#include "planner/plan_file.h"

namespace occam {
namespace {

struct ShowOptions {
  std::string file;
  bool json = false;
  bool markdown = false;
  size_t markdown_limit = kMarkdownLimit;
  StateOptions state;
};

int ShowState(const ShowOptions& options) {
  std::unique_ptr<StateStore> store;
  StateSnapshot state;
  Status s = OpenStateReadOnly(options.state, &store);
  if (s.ok()) s = store->Load(&state);
  if (!s.ok()) return ReportError(s, std::cerr);
  if (options.json) {
    std::cout << StateJson(state).dump() << "\n";
    return kExitOk;
  }
  if (state.instances.empty()) {
    std::cout << "The state is empty. No resources are represented.\n";
    return kExitOk;
  }
  std::vector<const ResourceInstance*> all;
  for (const auto& [address, r] : state.instances) all.push_back(&r);
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) {
    return std::tie(a->node, a->index) < std::tie(b->node, b->index);
  });
  for (const ResourceInstance* r : all) std::cout << InstanceText(*r) << "\n";
  std::cout << "\nOutputs:\n\n";
  nlohmann::json outputs = OutputsJson(state);
  for (const auto& [node, o] : outputs.items()) {
    std::cout << node << " = " << o["value"].dump(2) << "\n";
  }
  return kExitOk;
}

int RunShow(const ShowOptions& options) {
  if (options.file.empty()) {
    if (options.markdown) {
      std::cerr << "Error: -markdown shows a saved plan: occam show -markdown FILE\n";
      return kExitUsage;
    }
    return ShowState(options);
  }
  Plan plan;
  SecretKeyring keys;
  Status s = StateKeys(options.state, &keys);
  // Secrets are masked when shown: a plan sealed with a key not given shows.
  if (s.ok()) s = ReadPlanFile(options.file, &plan, keys, /*leave_sealed=*/true);
  if (s.ok() && options.markdown) s = CheckMarkdownLimit(plan, options.markdown_limit);
  if (!s.ok()) return ReportError(s, std::cerr);
  bool text = !options.json && !options.markdown;
  WritePlan(plan, options.json, options.markdown, options.markdown_limit,
            [text](const std::string& piece) {
              std::cout << (text ? ForStdout(piece) : piece);
            });
  return kExitOk;
}

}  // namespace

void RegisterShowCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<ShowOptions>();
  CLI::App* cmd = app->add_subcommand(
      "show", "Show a saved plan, or (no FILE) the current state");
  cmd->add_option("FILE", options->file,
                  "plan file from occam plan --out (default: the state)");
  AddStateOptions(cmd, &options->state, false);
  auto* json = cmd->add_flag("--json", options->json,
                             "print Terraform's plan JSON representation");
  cmd->add_flag("--markdown", options->markdown, "print Markdown")
      ->excludes(json);
  cmd->add_option("--markdown-limit", options->markdown_limit,
                  "at most this many characters of Markdown (default 60000; a "
                  "GitHub comment holds 65536)");
  commands->push_back({cmd, [options] { return RunShow(*options); }});
}

}  // namespace occam
