#include "cli/plan_render.h"

namespace occam {
namespace {

std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// A change block with its action markers moved to the first column, so
// that a ```diff block colours them.
std::string DiffBlock(const ResourceChange& c) {
  std::string block = RenderChangeBlock(c), out;
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    std::string line = block.substr(start, end - start);
    start = end + 1;
    if (line.rfind("  #", 0) == 0) continue;  // the headline is the summary
    size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && (line[first] == '+' || line[first] == '-') &&
        line.compare(first, 3, "-/+") != 0 && line.compare(first, 3, "+/-") != 0) {
      line = line[first] + line.substr(0, first) + line.substr(first + 1);
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string RenderPlanMarkdown(const Plan& plan) {
  std::string out = "### occam plan: `" + plan.infra_name + "`\n\n";
  for (const std::string& note : plan.notes) out += "> " + Cell(note) + "\n";
  if (!plan.notes.empty()) out += "\n";
  if (!plan.HasChanges()) {
    return out + "**No changes.** Your infrastructure matches the "
                 "configuration.\n";
  }
  out += "**" + plan.Summary() + "**\n\n";
  out += "| Action | Instance | Why |\n|---|---|---|\n";
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    out += "| " + ChangeActionName(c.action) + " | `" + c.address + "`" +
           (c.deposed.empty() ? "" : " (deposed)") + " | " +
           Cell(c.reason_detail.empty() ? "-" : c.reason_detail) + " |\n";
  }
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    out += "\n<details><summary><code>" + c.address + "</code> " +
           ChangeActionName(c.action) + "</summary>\n\n```diff\n" +
           DiffBlock(c) + "```\n\n</details>\n";
  }
  return out;
}

}  // namespace occam
