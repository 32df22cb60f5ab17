#include "cli/plan_render.h"
#include "planner/rollout.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

using nlohmann::json;

ResourceChange Change(const std::string& node, int index, ChangeAction action,
                      ChangeReason reason, const std::string& detail) {
  ResourceChange c;
  c.node = node;
  c.index = index;
  c.address = node + "[" + std::to_string(index) + "]";
  c.provider = "dummy";
  c.action = action;
  c.reason = reason;
  c.reason_detail = detail;
  return c;
}

// One of each action, as the planner would make them.
Plan SamplePlan() {
  Plan plan;
  plan.infra_name = "shop";
  plan.lineage = "l-1";
  plan.serial = 3;
  plan.infra_id = "i-1";
  plan.descriptor_digest = "d";
  plan.desired_counts = {{"app", 2}, {"cache", 1}, {"db", 1}};
  ResourceChange create = Change("app", 1, ChangeAction::kCreate,
                                 ChangeReason::kScaleUp,
                                 "app scales from 1 to 2");
  create.after = json{{"resource", {{"password", "s3cret"}, {"size", "small"}}}};
  create.after_sensitive = json{{"resource", {{"password", true}}}};
  create.after_unknown = json{{"resource", {{"db", true}}}};
  ResourceChange noop = Change("app", 0, ChangeAction::kNoOp,
                               ChangeReason::kNone, "");
  noop.before = noop.after = json{{"resource", {{"size", "small"}}}};
  ResourceChange update = Change("db", 0, ChangeAction::kUpdate,
                                 ChangeReason::kConfigChanged, "");
  update.before = json{{"resource", {{"attributes", {{"size", "small"}}}}}};
  update.after = json{{"resource", {{"attributes", {{"size", "large"}}}}}};
  update.changed_paths = {"resource.attributes.size"};
  ResourceChange replace = Change("cache", 0, ChangeAction::kReplace,
                                  ChangeReason::kTainted, "cache[0] is tainted");
  replace.before = replace.after = json{{"resource", {{"name", "c"}}}};
  ResourceChange remove = Change("old", 0, ChangeAction::kDelete,
                                 ChangeReason::kNodeTypeRemoved,
                                 "node type old is no longer in the descriptor");
  remove.before = json{{"resource", {{"name", "o"}}}};
  plan.changes = {noop, create, replace, update, remove};
  return plan;
}

TEST(PlanText, TerraformWordsAndSymbols) {
  EXPECT_EQ(
      "occam compared the descriptor with the state and made this plan. "
      "Actions are shown with these symbols:\n"
      "  + create\n"
      "  ~ update in place\n"
      "  - destroy\n"
      "-/+ destroy and then create replacement\n"
      "\n"
      "occam will perform the following actions:\n"
      "\n"
      "  # app[1] will be created\n"
      "  # (because app scales from 1 to 2)\n"
      "  + resource \"dummy\" \"app\" {\n"
      "      + resource = {\n"
      "          + db       = (known after apply)\n"
      "          + password = (sensitive value)\n"
      "          + size     = \"small\"\n"
      "        }\n"
      "    }\n"
      "\n"
      "  # cache[0] is tainted, so must be replaced\n"
      "  # (because cache[0] is tainted)\n"
      "-/+ resource \"dummy\" \"cache\" {\n"
      "        # (1 unchanged attribute hidden)\n"
      "    }\n"
      "\n"
      "  # db[0] will be updated in place\n"
      "  ~ resource \"dummy\" \"db\" {\n"
      "      ~ resource = {\n"
      "          ~ attributes = {\n"
      "              ~ size = \"small\" -> \"large\"\n"
      "            }\n"
      "        }\n"
      "    }\n"
      "\n"
      "  # old[0] will be destroyed\n"
      "  # (because node type old is no longer in the descriptor)\n"
      "  - resource \"dummy\" \"old\" {\n"
      "      - resource = {\n"
      "          - name = \"o\"\n"
      "        }\n"
      "    }\n"
      "\n"
      "Plan: 2 to add, 1 to change, 2 to destroy.\n",
      RenderPlanText(SamplePlan()));
}

TEST(PlanText, NoChanges) {
  Plan plan = SamplePlan();
  plan.changes.resize(1);
  plan.notes = {"app: the recorded count 9 is outside scaling [1, 5]; using 5"};
  EXPECT_EQ(
      "Note: app: the recorded count 9 is outside scaling [1, 5]; using 5\n"
      "\n"
      "No changes. Your infrastructure matches the configuration.\n\n"
      "occam compared the descriptor with the state and found no "
      "differences, so no changes are needed.\n",
      RenderPlanText(plan));
}

TEST(PlanJson, FollowsTerraformsShape) {
  json j = RenderPlanJson(SamplePlan());
  EXPECT_EQ("1.2", j["format_version"]);
  ASSERT_EQ(5u, j["resource_changes"].size());
  const json& create = j["resource_changes"][1];
  EXPECT_EQ("app[1]", create["address"]);
  EXPECT_EQ("managed", create["mode"]);
  EXPECT_EQ("dummy", create["type"]);
  EXPECT_EQ("app", create["name"]);
  EXPECT_EQ(1, create["index"]);
  EXPECT_EQ(json({"create"}), create["change"]["actions"]);
  EXPECT_EQ(nullptr, create["change"]["before"]);
  EXPECT_EQ(false, create["change"]["before_sensitive"]);
  // Secrets never leave occam, even in JSON.
  EXPECT_EQ("(sensitive value)", create["change"]["after"]["resource"]["password"]);
  EXPECT_EQ(json({{"resource", {{"db", true}}}}),
            create["change"]["after_unknown"]);
  EXPECT_EQ(json({"no-op"}), j["resource_changes"][0]["change"]["actions"]);
  const json& replace = j["resource_changes"][2];
  EXPECT_EQ(json({"delete", "create"}), replace["change"]["actions"]);
  EXPECT_EQ("replace_because_tainted", replace["action_reason"]);
  const json& remove = j["resource_changes"][4];
  EXPECT_EQ("delete_because_no_resource_config", remove["action_reason"]);
  EXPECT_EQ(4u, j["planned_values"]["root_module"]["resources"].size());
  EXPECT_EQ(4u, j["prior_state"]["values"]["root_module"]["resources"].size());
  EXPECT_EQ(std::string::npos, j.dump().find("s3cret"));
}

// The streamed JSON is the tree's dump byte for byte, for plans with and
// without changes, notes, deposed objects and replace paths; each piece is
// at most one resource, not the whole plan.
// A rolling replacement's order and pace, in each rendering.
TEST(PlanRollouts, EveryRenderingShowsTheOrder) {
  Plan plan = SamplePlan();
  plan.rollouts.push_back({"app", false, 1, 2, {"app[0]", "app[1]"}});
  plan.rollouts.push_back({"db", true, 2, 0.5, {"db[0]", "db[1]", "db[2]"}});
  std::string text = RenderPlanText(plan);
  EXPECT_NE(std::string::npos,
            text.find("Rollout of app: app[0], then app[1] (one at a time: each old instance "
                      "leaves its dependents' targets and drains 2s before it is deleted, "
                      "then its successor is created)\n"))
      << text;
  EXPECT_NE(std::string::npos,
            text.find("Rollout of db: db[0], db[1], db[2] (2 at a time: each successor is "
                      "created and ready first, then the old instance leaves its dependents' "
                      "targets and drains 0.5s before it is deleted)"))
      << text;
  EXPECT_LT(text.find("Rollout of app"), text.find("Plan: "));
  json j = RenderPlanJson(plan);
  ASSERT_EQ(2u, j["occam"]["rollouts"].size());
  EXPECT_EQ(json({{"node", "app"}, {"order", {"app[0]", "app[1]"}}, {"at_once", 1},
                  {"successors_first", false}, {"drain_seconds", 2}}),
            j["occam"]["rollouts"][0]);
  std::string md = RenderPlanMarkdown(plan);
  EXPECT_NE(std::string::npos, md.find("**Rollout of `db`:** db[0], db[1], db[2] (2 at a time"))
      << md;
  // Long rollouts list their first twenty.
  Rollout many{"web", false, 1, 0, {}};
  for (int i = 0; i < 25; ++i) many.order.push_back("web[" + std::to_string(i) + "]");
  std::string described = DescribeRollout(many);
  EXPECT_NE(std::string::npos, described.find("web[19], … (5 more, in index order)"))
      << described;
  EXPECT_EQ(std::string::npos, described.find("web[20]"));
}

TEST(PlanJson, StreamedBytesAreTheTreesBytes) {
  Plan sample = SamplePlan();
  sample.notes = {"a note"};
  sample.changes[2].deposed = "old-1";
  sample.changes[2].replace_paths = {"resource.name"};
  Plan empty;
  Plan noop = SamplePlan();
  noop.changes.resize(1);
  for (const Plan& plan : {SamplePlan(), sample, empty, noop}) {
    std::string streamed;
    size_t pieces = 0, largest = 0;
    WritePlanJson(plan, [&](const std::string& piece) {
      streamed += piece;
      ++pieces;
      largest = std::max(largest, piece.size());
    });
    std::string whole = RenderPlanJson(plan).dump();
    EXPECT_EQ(whole, streamed);
    if (plan.changes.size() == 5) {
      EXPECT_GT(pieces, 10u);
      EXPECT_LT(largest, whole.size() / 2);
    }
  }
  EXPECT_EQ(RenderPlanJson(sample).dump() + "\n", RenderPlan(sample, true, false));
}

TEST(PlanText, StreamedTextIsTheWholeText) {
  std::string streamed;
  size_t pieces = 0;
  WritePlan(SamplePlan(), false, false, kMarkdownLimit, [&](const std::string& piece) {
    streamed += piece;
    ++pieces;
  });
  EXPECT_EQ(RenderPlanText(SamplePlan()), streamed);
  EXPECT_EQ(6u, pieces);  // the header, four changes, the summary
}

TEST(PlanMarkdown, SummaryTableThenCollapsedDiffs) {
  std::string md = RenderPlanMarkdown(SamplePlan());
  size_t table = md.find("| Action | Instance | Why |\n");
  ASSERT_NE(std::string::npos, table) << md;
  EXPECT_EQ(0u, md.find("### occam plan: `shop`\n\n"
                        "**Plan: 2 to add, 1 to change, 2 to destroy.**\n\n"
                        "| Node type | Add | Change | Destroy | Replace | Count | Why |\n"))
      << md;
  EXPECT_EQ(table, md.find("| Action | Instance | Why |\n|---|---|---|\n"
                        "| create | `app[1]` | app scales from 1 to 2 |\n"
                        "| replace | `cache[0]` | cache[0] is tainted |\n"
                        "| update | `db[0]` | changed: "
                        "`resource.attributes.size` |\n"
                        "| delete | `old[0]` | node type old is no longer in "
                        "the descriptor |\n"))
      << md;
  EXPECT_NE(std::string::npos,
            md.find("<details><summary><code>db[0]</code> update</summary>\n\n"
                    "```diff\n"))
      << md;
  EXPECT_NE(std::string::npos, md.find("\n-           name = \"o\"\n")) << md;
  EXPECT_EQ(std::string::npos, md.find("s3cret"));
}

TEST(PlanMarkdown, UpdatesAreMarkedForGitHubsDiffColours) {
  std::string md = RenderPlanMarkdown(SamplePlan());
  // '~' lines become '!' (orange), '-/+' headers too; '+' and '-' stay.
  EXPECT_NE(std::string::npos, md.find("\n!   resource \"dummy\" \"db\" {\n")) << md;
  EXPECT_NE(std::string::npos, md.find("\n!-/+ resource \"dummy\" \"cache\" {")) << md;
  EXPECT_EQ(std::string::npos, md.find("\n  ~")) << md;
}

TEST(PlanMarkdown, WhySaysWhyForEveryChange) {
  ResourceChange c;
  c.action = ChangeAction::kCreate;
  EXPECT_EQ("new", WhyText(c));
  c.action = ChangeAction::kUpdate;
  c.reason = ChangeReason::kConfigChanged;
  c.changed_paths = {"resource.image", "resource.env.A"};
  EXPECT_EQ("changed: `resource.image`, `resource.env.A`", WhyText(c));
  c.action = ChangeAction::kReplace;
  c.replace_paths = {"resource.image"};
  EXPECT_EQ("forces replacement: `resource.image`", WhyText(c));
  c.replace_paths.clear();
  c.action = ChangeAction::kDelete;
  c.reason = ChangeReason::kDrifted;
  EXPECT_EQ("drifted", WhyText(c));
}

// 2,000 creates and 2,000 replaces would be 560,786 and 725,679
// characters; a GitHub comment holds 65,536.
TEST(PlanMarkdown, LargePlansFitAPullRequestComment) {
  Plan plan;
  plan.infra_name = "big";
  for (int i = 0; i < 4000; ++i) {
    ResourceChange c;
    c.node = i < 2000 ? "app" : "web";
    c.index = i % 2000;
    c.address = c.node + "[" + std::to_string(c.index) + "]";
    c.provider = "dummy";
    c.action = i < 2000 ? ChangeAction::kCreate : ChangeAction::kReplace;
    c.reason = i < 2000 ? ChangeReason::kScaleUp : ChangeReason::kConfigChanged;
    c.replace_paths = {"resource.image"};
    json config = {{"resource", {{"image", "busybox:" + std::to_string(i)},
                                 {"command", {"sh", "-c", "sleep 100000"}}}}};
    if (c.action == ChangeAction::kReplace) c.before = config;
    c.after = config;
    plan.changes.push_back(std::move(c));
  }
  std::string md = RenderPlanMarkdown(plan);
  EXPECT_LE(md.size(), 60'000u);
  EXPECT_NE(std::string::npos, md.find("**Plan: 4000 to add, 0 to change, 2000 to destroy.**"))
      << md.substr(0, 300);
  // What was left out is said before the rows, right after the per-node
  // summary.
  size_t note = md.find(" of 4000 changes are not in the table and ");
  EXPECT_NE(std::string::npos, note) << md.substr(0, 1000);
  EXPECT_LT(note, md.find("| Action | Instance | Why |")) << md.substr(0, 1000);
  EXPECT_NE(std::string::npos, md.find("raise `--markdown-limit`"));
  std::string small = RenderPlanMarkdown(plan, 5'000);
  EXPECT_LE(small.size(), 5'000u);
  // What fits is whole: every table row and every details block closes.
  size_t opened = 0, closed = 0;
  for (size_t at = 0; (at = md.find("<details>", at)) != std::string::npos; ++at) ++opened;
  for (size_t at = 0; (at = md.find("</details>", at)) != std::string::npos; ++at) ++closed;
  EXPECT_EQ(opened, closed);
}

// 2,000 node types of one instance each (n0 … n1999): the review starts
// with a row per node type, sorts naturally and never passes its limit.
Plan ManyNodeTypes(int count = 2000) {
  Plan plan;
  plan.infra_name = "wide";
  for (int i = 0; i < count; ++i) {
    ResourceChange c;
    c.node = "n" + std::to_string(i);
    c.address = c.node + "[0]";
    c.provider = "dummy";
    c.action = ChangeAction::kCreate;
    c.after = json{{"resource", {{"i", i}}}};
    plan.changes.push_back(std::move(c));
    plan.desired_counts[plan.changes.back().node] = 1;
  }
  return plan;
}

TEST(PlanMarkdown, BigPlansLeadWithAPerNodeSummaryInNaturalOrder) {
  Plan plan = ManyNodeTypes();
  std::string md = RenderPlanMarkdown(plan);
  size_t summary = md.find("| Node type | Add | Change | Destroy | Replace | Count | Why |");
  ASSERT_NE(std::string::npos, summary) << md.substr(0, 500);
  EXPECT_NE(std::string::npos, md.find("| `n2` | 1 | 0 | 0 | 0 | 0 → 1 | new |\n"));
  EXPECT_LT(md.find("| `n2` |"), md.find("| `n10` |"));
  EXPECT_LT(md.find("| `n10` |"), md.find("| `n100` |"));
  // The summary filled the comment: the note says so, first.
  EXPECT_NE(std::string::npos, md.find(" node types are not summed up, 2000 of 2000 changes"))
      << md.substr(md.size() - 600);
  // Fewer node types leave room for the rows, in natural order too.
  md = RenderPlanMarkdown(ManyNodeTypes(20));
  size_t rows = md.find("| Action | Instance | Why |");
  ASSERT_NE(std::string::npos, rows) << md;
  EXPECT_LT(md.find("| Node type |"), rows);
  EXPECT_LT(md.find("`n9[0]`", rows), md.find("`n10[0]`", rows));
  EXPECT_LT(md.find("`n2[0]`", rows), md.find("`n19[0]`", rows));
}

TEST(PlanMarkdown, AppScalingIsOneSummaryRow) {
  Plan plan;
  plan.infra_name = "scale";
  for (int i = 0; i < 2500; ++i) {
    ResourceChange c;
    c.node = "app";
    c.index = i;
    c.address = "app[" + std::to_string(i) + "]";
    c.provider = "dummy";
    c.action = ChangeAction::kCreate;
    c.reason = ChangeReason::kScaleUp;
    c.reason_detail = "app scales from 0 to 2500";
    plan.changes.push_back(std::move(c));
  }
  plan.desired_counts["app"] = 2500;
  std::string md = RenderPlanMarkdown(plan);
  EXPECT_NE(std::string::npos,
            md.find("| `app` | 2500 | 0 | 0 | 0 | 0 → 2500 | app scales from 0 to 2500 |\n"))
      << md.substr(0, 600);
  EXPECT_LT(md.find("`app[2]`"), md.find("`app[10]`"));
}

TEST(PlanMarkdown, TheLimitIsHonouredExactlyOrRefused) {
  Plan plan = ManyNodeTypes();
  size_t minimum = MarkdownMinimum(plan);
  EXPECT_FALSE(CheckMarkdownLimit(plan, 100).ok());
  EXPECT_NE(std::string::npos,
            CheckMarkdownLimit(plan, 100).message().find(
                "give at least " + std::to_string(minimum)));
  EXPECT_TRUE(CheckMarkdownLimit(plan, minimum).ok());
  for (size_t limit : {minimum, minimum + 1, minimum + 37, size_t{1000}, size_t{4096},
                       size_t{10'000}, size_t{65'536}}) {
    if (limit < minimum) continue;
    std::string md = RenderPlanMarkdown(plan, limit);
    EXPECT_LE(md.size(), limit) << limit;
    EXPECT_NE(std::string::npos, md.find("**Plan: 2000 to add")) << limit;
    EXPECT_NE(std::string::npos, md.find("characters. See them all")) << limit;
  }
}

TEST(MaskSensitive, MasksMarkedLeavesOnly) {
  json value = {{"a", "x"}, {"b", {"p", "q"}}, {"c", {{"d", 1}}}};
  json mask = {{"b", {false, true}}, {"c", true}};
  EXPECT_EQ(json({{"a", "x"},
                  {"b", {"p", "(sensitive value)"}},
                  {"c", "(sensitive value)"}}),
            MaskSensitive(value, mask));
}

}  // namespace
}  // namespace occam
