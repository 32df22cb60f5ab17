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

// A change block with its action markers moved to the first column, as
// GitHub's diff highlighting reads them: '+' green, '-' red, and '!' (for
// '~' updates and '-/+' replacements) orange.
std::string DiffBlock(const ResourceChange& c) {
  std::string block = RenderChangeBlock(c), out;
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find('\n', start);
    std::string line = block.substr(start, end - start);
    start = end + 1;
    if (line.rfind("  #", 0) == 0) continue;  // the headline is the summary
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) {
      out += line + "\n";
      continue;
    }
    bool replace = line.compare(first, 3, "-/+") == 0 || line.compare(first, 3, "+/-") == 0;
    char mark = line[first];
    if (replace) {
      line = "!" + line;
    } else if (mark == '+' || mark == '-' || mark == '~') {
      char shown = mark == '~' ? '!' : mark;
      line = std::string(1, shown) + line.substr(0, first) + line.substr(first + 1);
    }
    out += line + "\n";
  }
  return out;
}

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string out;
  for (size_t i = 0; i < paths.size() && i < 5; ++i) {
    out += (i ? ", " : "") + std::string("`") + paths[i] + "`";
  }
  if (paths.size() > 5) out += " and " + std::to_string(paths.size() - 5) + " more";
  return out;
}

}  // namespace

// Why a change is planned, for the table: the planner's words, the
// attributes that changed or force the replacement, or "new".
std::string WhyText(const ResourceChange& c) {
  std::string why = c.reason_detail;
  auto add = [&why](const std::string& part) {
    why += (why.empty() ? "" : "; ") + part;
  };
  if (c.action == ChangeAction::kReplace && !c.replace_paths.empty()) {
    add("forces replacement: " + JoinPaths(c.replace_paths));
  } else if (c.action == ChangeAction::kUpdate && !c.changed_paths.empty()) {
    add("changed: " + JoinPaths(c.changed_paths));
  }
  if (!why.empty()) return why;
  if (c.action == ChangeAction::kCreate) return "new";
  std::string name = ChangeReasonName(c.reason);
  for (char& ch : name) ch = ch == '_' ? ' ' : ch;
  return name;
}

std::string RenderPlanMarkdown(const Plan& plan, size_t limit) {
  std::string out = "### occam plan: `" + plan.infra_name + "`\n\n";
  for (const std::string& note : plan.notes) out += "> " + Cell(note) + "\n";
  if (!plan.notes.empty()) out += "\n";
  if (!plan.HasChanges()) {
    return out + "**No changes.** Your infrastructure matches the "
                 "configuration.\n";
  }
  out += "**" + plan.Summary() + "**\n\n";
  // The trailer saying what was left out must fit too.
  const size_t budget = limit > 400 ? limit - 400 : 0;
  size_t changed = 0, rows = 0, details = 0;
  std::string table = "| Action | Instance | Why |\n|---|---|---|\n";
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    ++changed;
    std::string row = "| " + ChangeActionName(c.action) + " | `" + c.address +
                      "`" + (c.deposed.empty() ? "" : " (deposed)") + " | " +
                      Cell(WhyText(c)) + " |\n";
    if (out.size() + table.size() + row.size() > budget) continue;
    table += row;
    ++rows;
  }
  out += table;
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    std::string block = "\n<details><summary><code>" + c.address + "</code> " +
                        ChangeActionName(c.action) + "</summary>\n\n```diff\n" +
                        DiffBlock(c) + "```\n\n</details>\n";
    if (out.size() + block.size() > budget) break;
    out += block;
    ++details;
  }
  if (rows < changed || details < changed) {
    out += "\n_" + std::to_string(changed - rows) + " of " +
           std::to_string(changed) + " changes are not in the table and " +
           std::to_string(changed - details) +
           " are not detailed, to keep this comment under " +
           std::to_string(limit) +
           " characters. See them all with `occam show PLANFILE` (or "
           "`occam plan`), or raise `--markdown-limit`._\n";
  }
  return out;
}

}  // namespace occam
