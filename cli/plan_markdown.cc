#include "cli/plan_render.h"
#include "planner/rollout.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <map>
#include <string_view>

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

namespace {

// "n2" before "n10", "app[2]" before "app[10]": runs of digits compare as
// numbers.
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool da = std::isdigit(static_cast<unsigned char>(a[i]));
    bool db = std::isdigit(static_cast<unsigned char>(b[j]));
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
      std::string_view na(a.data() + i, ei - i), nb(b.data() + j, ej - j);
      while (na.size() > 1 && na[0] == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb[0] == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

// The changes that change something, node types in natural order, then
// instances by index.
std::vector<const ResourceChange*> Changed(const Plan& plan) {
  std::vector<const ResourceChange*> out;
  for (const ResourceChange& c : plan.changes) {
    if (c.action != ChangeAction::kNoOp) out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) {
    if (a->node != b->node) return NaturalLess(a->node, b->node);
    return a->index < b->index;
  });
  return out;
}

struct NodeSummary {
  int add = 0, change = 0, destroy = 0, replace = 0;
  int before = 0;  // instances the state holds
  std::map<std::string, int> whys;  // reason → how many changes give it
};

// One row per node type that changes: action counts, the count change and
// the most common reason.
std::string NodeRow(const Plan& plan, const std::string& node, const NodeSummary& n) {
  auto desired = plan.desired_counts.find(node);
  int after = desired == plan.desired_counts.end() ? 0 : desired->second;
  std::string count = n.before == after
                          ? std::to_string(after)
                          : std::to_string(n.before) + " → " + std::to_string(after);
  auto common = std::max_element(n.whys.begin(), n.whys.end(),
                                 [](auto& a, auto& b) { return a.second < b.second; });
  std::string why = common == n.whys.end() ? "" : common->first;
  if (n.whys.size() > 1) why += " (and " + std::to_string(n.whys.size() - 1) + " more)";
  return "| `" + Cell(node) + "` | " + std::to_string(n.add) + " | " +
         std::to_string(n.change) + " | " + std::to_string(n.destroy) + " | " +
         std::to_string(n.replace) + " | " + count + " | " + Cell(why) + " |\n";
}

const char kNodeTableHead[] =
    "| Node type | Add | Change | Destroy | Replace | Count | Why |\n"
    "|--|--:|--:|--:|--:|---|---|\n";

std::string Header(const Plan& plan) {
  std::string out = "### occam plan: `" + plan.infra_name + "`\n\n";
  for (const std::string& note : plan.notes) out += "> " + Cell(note) + "\n";
  if (!plan.notes.empty()) out += "\n";
  for (const Rollout& r : plan.rollouts) {
    out += "**Rollout of `" + Cell(r.node) + "`:** " + Cell(DescribeRollout(r)) + "\n\n";
  }
  return out;
}

// What did not fit, said before the rows.
struct LeftOutCounts {
  size_t nodes_left = 0, nodes = 0;
  size_t rows_left = 0, details_left = 0, changed = 0;
};

std::string LeftOut(const LeftOutCounts& n, size_t limit) {
  std::string nodes = n.nodes_left == 0
                          ? ""
                          : std::to_string(n.nodes_left) + " of " +
                                std::to_string(n.nodes) + " node types are not summed up, ";
  return "_" + nodes + std::to_string(n.rows_left) + " of " +
         std::to_string(n.changed) + " changes are not in the table and " +
         std::to_string(n.details_left) +
         " are not detailed, to keep this comment under " + std::to_string(limit) +
         " characters. See them all with `occam show PLANFILE` (or `occam "
         "plan`), or raise `--markdown-limit`._\n\n";
}

// The longest the note can be: its numbers only shrink.
size_t LeftOutReserve(size_t nodes, size_t changed, size_t limit) {
  return LeftOut({nodes, nodes, changed, changed, changed}, limit).size();
}

}  // namespace

Status CheckMarkdownLimit(const Plan& plan, size_t limit) {
  size_t minimum = MarkdownMinimum(plan);
  if (limit >= minimum) return Status::Ok();
  return Status::InvalidArgument(
      "--markdown-limit " + std::to_string(limit) + " is too small for this "
      "plan: its summary and the note of what is left out take " +
      std::to_string(minimum) + " characters; give at least " +
      std::to_string(minimum));
}

size_t MarkdownMinimum(const Plan& plan) {
  if (!plan.HasChanges()) return 0;
  size_t changed = plan.changes.size();
  return Header(plan).size() + plan.Summary().size() + 6 +
         LeftOutReserve(changed, changed, SIZE_MAX);
}

// Summary first (per node type), what was left out next, then the table
// and the details in natural order, as many as fit in `limit`.
std::string RenderPlanMarkdown(const Plan& plan, size_t limit) {
  std::string head = Header(plan);
  if (!plan.HasChanges()) {
    return head + "**No changes.** Your infrastructure matches the "
                  "configuration.\n";
  }
  head += "**" + plan.Summary() + "**\n\n";
  std::vector<const ResourceChange*> changed = Changed(plan);
  std::vector<std::string> order;
  std::map<std::string, NodeSummary> nodes;
  for (const ResourceChange& c : plan.changes) {
    // A gone instance is recreated, but the state counted it.
    bool existed = c.action != ChangeAction::kCreate || c.reason == ChangeReason::kDrifted;
    if (c.deposed.empty() && existed) nodes[c.node].before++;
  }
  for (const ResourceChange* c : changed) {
    // `changed` is grouped by node type: a new one starts a row.
    if (order.empty() || order.back() != c->node) order.push_back(c->node);
    NodeSummary& n = nodes[c->node];
    n.add += c->action == ChangeAction::kCreate;
    n.change += c->action == ChangeAction::kUpdate;
    n.destroy += c->action == ChangeAction::kDelete;
    n.replace += c->action == ChangeAction::kReplace;
    n.whys[WhyText(*c)]++;
  }
  const size_t reserve = LeftOutReserve(order.size(), changed.size(), limit);
  if (head.size() + reserve > limit) return "";  // below MarkdownMinimum
  const size_t budget = limit - reserve - head.size();
  // Each part is whole or left out: a table with its head, a closed block.
  std::string summary, body;
  auto fits = [&](const std::string& more) {
    return summary.size() + body.size() + more.size() <= budget;
  };
  LeftOutCounts left{order.size(), order.size(), changed.size(), changed.size(),
                     changed.size()};
  if (fits(std::string(kNodeTableHead) + "\n")) {
    summary = kNodeTableHead;
    for (const std::string& node : order) {
      std::string row = NodeRow(plan, node, nodes.at(node));
      if (!fits(row + "\n")) break;
      summary += row;
      --left.nodes_left;
    }
    summary += "\n";
  }
  const std::string table_head = "| Action | Instance | Why |\n|---|---|---|\n";
  if (fits(table_head)) {
    body = table_head;
    for (const ResourceChange* c : changed) {
      std::string row = "| " + ChangeActionName(c->action) + " | `" + c->address +
                        "`" + (c->deposed.empty() ? "" : " (deposed)") + " | " +
                        Cell(WhyText(*c)) + " |\n";
      if (!fits(row)) break;
      body += row;
      --left.rows_left;
    }
  }
  for (const ResourceChange* c : changed) {
    std::string block = "\n<details><summary><code>" + c->address + "</code> " +
                        ChangeActionName(c->action) + "</summary>\n\n```diff\n" +
                        DiffBlock(*c) + "```\n\n</details>\n";
    if (!fits(block)) break;
    body += block;
    --left.details_left;
  }
  bool all = left.nodes_left == 0 && left.rows_left == 0 && left.details_left == 0;
  return head + summary + (all ? "" : LeftOut(left, limit)) + body;
}

}  // namespace occam
