// The three renderings of a Plan: text in Terraform's words and symbols,
// JSON in Terraform's plan representation (format 1.2), and Markdown for a
// pull-request comment. Secrets are masked in all three. Each is
// deterministic: the same plan gives the same bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "planner/plan.h"

namespace occam {

std::string RenderPlanText(const Plan& plan);
// One change as a resource block ("  + resource "dummy" "app" { … }").
std::string RenderChangeBlock(const ResourceChange& change);
nlohmann::json RenderPlanJson(const Plan& plan);
std::string RenderPlanMarkdown(const Plan& plan);
// The rendering a command's --json / --markdown flags ask for.
std::string RenderPlan(const Plan& plan, bool json, bool markdown);

// `value` with every leaf that `sensitive` marks replaced by
// "(sensitive value)".
nlohmann::json MaskSensitive(const nlohmann::json& value,
                             const nlohmann::json& sensitive);

}  // namespace occam
