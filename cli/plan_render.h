// The three renderings of a Plan: text in Terraform's words and symbols,
// JSON in Terraform's plan representation (format 1.2), and Markdown for a
// pull-request comment. Secrets are masked in all three. Each is
// deterministic: the same plan gives the same bytes.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "planner/plan.h"

namespace occam {

// Where a rendering goes, piece by piece: a plan of 100,000 instances is
// hundreds of MB of text, and is written as it is made, never held whole.
using PlanSink = std::function<void(const std::string&)>;

std::string RenderPlanText(const Plan& plan);
// The text of RenderPlanText, a change block at a time.
void WritePlanText(const Plan& plan, const PlanSink& sink);
// One change as a resource block ("  + resource "dummy" "app" { … }").
std::string RenderChangeBlock(const ResourceChange& change);
nlohmann::json RenderPlanJson(const Plan& plan);
// RenderPlanJson(plan).dump(), byte for byte, a resource at a time.
void WritePlanJson(const Plan& plan, const PlanSink& sink);
// Markdown for a pull-request comment of at most `limit` characters (a
// GitHub comment holds 65,536): the summary, a row per node type (action
// counts, count change, why), what was left out, then a row per change and
// the details that fit, in natural order (app[2] before app[10]). Empty when
// `limit` is below MarkdownMinimum.
constexpr size_t kMarkdownLimit = 60'000;
std::string RenderPlanMarkdown(const Plan& plan, size_t limit = kMarkdownLimit);
// The smallest --markdown-limit RenderPlanMarkdown can honour for `plan`.
size_t MarkdownMinimum(const Plan& plan);
// InvalidArgument, saying the minimum, when `limit` is below it.
Status CheckMarkdownLimit(const Plan& plan, size_t limit);
// Why a change is planned, in words: the planner's reason, the attributes
// that changed or force a replacement, or "new".
std::string WhyText(const ResourceChange& change);
// The rendering a command's --json / --markdown flags ask for.
std::string RenderPlan(const Plan& plan, bool json, bool markdown,
                       size_t markdown_limit = kMarkdownLimit);
// The same, written to `sink` as it is made.
void WritePlan(const Plan& plan, bool json, bool markdown,
               size_t markdown_limit, const PlanSink& sink);

// `value` with every leaf that `sensitive` marks replaced by
// "(sensitive value)".
nlohmann::json MaskSensitive(const nlohmann::json& value,
                             const nlohmann::json& sensitive);

}  // namespace occam
