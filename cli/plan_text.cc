#include "cli/attribute_diff.h"
#include "cli/plan_render.h"
#include "planner/rollout.h"

namespace occam {
namespace {

std::string Symbol(const ResourceChange& c) {
  switch (c.action) {
    case ChangeAction::kCreate:
      return "  +";
    case ChangeAction::kUpdate:
      return "  ~";
    case ChangeAction::kDelete:
      return "  -";
    case ChangeAction::kReplace:
      return c.create_before_destroy ? "+/-" : "-/+";
    case ChangeAction::kNoOp:
      return "   ";
  }
  return "   ";
}

std::string Headline(const ResourceChange& c) {
  switch (c.action) {
    case ChangeAction::kCreate:
      return "will be created";
    case ChangeAction::kUpdate:
      return "will be updated in place";
    case ChangeAction::kDelete:
      return "will be destroyed";
    case ChangeAction::kReplace:
      if (c.reason == ChangeReason::kTainted) return "is tainted, so must be replaced";
      if (c.reason == ChangeReason::kReplaceRequested) {
        return "will be replaced, as requested";
      }
      return "must be replaced";
    case ChangeAction::kNoOp:
      return "is unchanged";
  }
  return "";
}

std::string Legend(const Plan& plan) {
  std::string out =
      "occam compared the descriptor with the state and made this plan. "
      "Actions are shown with these symbols:\n";
  if (plan.Count(ChangeAction::kCreate)) out += "  + create\n";
  if (plan.Count(ChangeAction::kUpdate)) out += "  ~ update in place\n";
  if (plan.Count(ChangeAction::kDelete)) out += "  - destroy\n";
  bool cbd = false, dbc = false;
  for (const ResourceChange& c : plan.changes) {
    if (c.action != ChangeAction::kReplace) continue;
    (c.create_before_destroy ? cbd : dbc) = true;
  }
  if (dbc) out += "-/+ destroy and then create replacement\n";
  if (cbd) out += "+/- create replacement and then destroy\n";
  return out;
}

}  // namespace

std::string RenderChangeBlock(const ResourceChange& c) {
  DiffInput input;
  input.before = c.before;
  input.after = c.after;
  input.after_unknown = c.after_unknown;
  input.before_sensitive = c.before_sensitive;
  input.after_sensitive = c.after_sensitive;
  input.forces_replacement.insert(c.replace_paths.begin(), c.replace_paths.end());
  std::string out = "  # " + c.address +
                    (c.deposed.empty() ? "" : " (deposed object " + c.deposed + ")") +
                    " " + Headline(c) + "\n";
  if (!c.reason_detail.empty()) out += "  # (because " + c.reason_detail + ")\n";
  out += Symbol(c) + " resource \"" + c.provider + "\" \"" + c.node +
         "\" {\n";
  out += RenderAttributeDiff(input, 1);
  out += "    }\n";
  return out;
}

std::string RenderPlan(const Plan& plan, bool json, bool markdown,
                       size_t markdown_limit) {
  std::string out;
  WritePlan(plan, json, markdown, markdown_limit,
            [&out](const std::string& piece) { out += piece; });
  return out;
}

void WritePlan(const Plan& plan, bool json, bool markdown,
               size_t markdown_limit, const PlanSink& sink) {
  if (json) {
    WritePlanJson(plan, sink);
    sink("\n");
  } else if (markdown) {
    sink(RenderPlanMarkdown(plan, markdown_limit));
  } else {
    WritePlanText(plan, sink);
  }
}

std::string RenderPlanText(const Plan& plan) {
  std::string out;
  WritePlanText(plan, [&out](const std::string& piece) { out += piece; });
  return out;
}

void WritePlanText(const Plan& plan, const PlanSink& sink) {
  std::string head;
  for (const std::string& note : plan.notes) head += "Note: " + note + "\n";
  if (!plan.notes.empty()) head += "\n";
  if (!plan.HasChanges()) {
    sink(head +
         "No changes. Your infrastructure matches the configuration.\n\n"
         "occam compared the descriptor with the state and found no "
         "differences, so no changes are needed.\n");
    return;
  }
  sink(head + Legend(plan) + "\noccam will perform the following actions:\n");
  for (const ResourceChange& c : plan.changes) {
    if (c.action == ChangeAction::kNoOp) continue;
    sink("\n" + RenderChangeBlock(c));
  }
  for (const Rollout& r : plan.rollouts) {
    sink("\nRollout of " + r.node + ": " + DescribeRollout(r) + "\n");
  }
  sink("\n" + plan.Summary() + "\n");
}

}  // namespace occam
