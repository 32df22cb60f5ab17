// `occam show FILE`: renders a saved plan.
#include <iostream>

#include "cli/color.h"
#include "cli/command.h"
#include "cli/plan_render.h"
#include "planner/plan_file.h"

namespace occam {
namespace {

struct ShowOptions {
  std::string file;
  bool json = false;
  bool markdown = false;
  size_t markdown_limit = kMarkdownLimit;
};

int RunShow(const ShowOptions& options) {
  Plan plan;
  Status s = ReadPlanFile(options.file, &plan);
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
  CLI::App* cmd = app->add_subcommand("show", "Show a saved plan");
  cmd->add_option("FILE", options->file, "plan file from occam plan --out")
      ->required();
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
