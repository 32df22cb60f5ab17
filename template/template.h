// Renders the templates Occopus allows in descriptor strings: the Jinja2
// subset of docs/templates.md ({{ expressions }} with filters and tests,
// {% if %}, {% for %}, {% set %}, {% raw %}, {# comments #}, whitespace
// control), with Jinja's default Undefined: an undefined name renders as ""
// with a warning, an attribute of something undefined is an error. What
// the renderer does not understand is an error naming the construct —
// never passed through silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/template_value.h"

namespace occam {

// Resolves names and functions for one rendering.
class TemplateScope {
 public:
  virtual ~TemplateScope() = default;
  // The value of a top-level name; TemplateValue::Undefined(name) when the
  // name is not defined.
  virtual TemplateValue Lookup(const std::string& name) const = 0;
  // Calls `function` with evaluated arguments (an undefined argument keeps
  // the name it was written as). Sets `*error` when the call fails and may
  // set `*warning`.
  virtual TemplateValue Call(const std::string& function,
                             const std::vector<TemplateValue>& args,
                             std::string* error, std::string* warning) const = 0;
};

struct RenderedText {
  std::string text;        // meaningful only when known
  bool known = true;       // false when any part is unknown until apply
  bool sensitive = false;  // any part came from a secret
  long long steps = 0;     // what rendering it took (TemplateLimits::max_steps)
  size_t work = 0;         // and in bytes (TemplateLimits::max_work_bytes)
};

// A problem found while rendering, at `offset` in the template text.
struct TemplateProblem {
  size_t offset = 0;
  std::string message;
  bool over_limit = false;  // it passed a TemplateLimits bound
};

struct TemplateLimits {
  size_t max_output_bytes = 16u << 20;  // per rendered string
  long long max_steps = 10'000'000;     // loop iterations and outputs
  size_t max_value_bytes = 16u << 20;   // any one value built on the way
  // All bytes built, copied and compared while rendering one string: what
  // bounds its CPU time and, with max_value_bytes, its memory.
  size_t max_work_bytes = 256u << 20;
};

// True when `text` holds template syntax at all; plain strings need no
// rendering.
bool HasTemplate(std::string_view text);

// Renders `text`. Returns false and sets `*error` when the template cannot
// be rendered; `warnings` (may be null) receives what Jinja accepts but is
// probably a mistake (an undefined name rendered as "").
bool RenderTemplate(std::string_view text, const TemplateScope& scope,
                    RenderedText* out, TemplateProblem* error,
                    std::vector<TemplateProblem>* warnings,
                    const TemplateLimits& limits = {});

// "line 3, column 7" of `offset` in `text`, for messages about a template
// that spans lines.
std::string TemplatePosition(std::string_view text, size_t offset);

}  // namespace occam
