// Renders the templates Occopus allows in descriptor strings (a Jinja2
// subset): {{ expressions }} with dotted names, string literals and function
// calls, {% raw %}…{% endraw %} blocks and {# comments #}. What the
// renderer does not understand is an error naming the expression — never
// passed through silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace occam {

// What a name or function call stands for.
struct TemplateValue {
  enum class Kind {
    kText,      // known now
    kUnknown,   // known only after apply (an address not yet assigned)
    kUndefined  // no such name: an error
  };
  Kind kind = Kind::kText;
  std::string text;
  bool sensitive = false;  // derived from a secret

  static TemplateValue Text(std::string t, bool sensitive = false) {
    return {Kind::kText, std::move(t), sensitive};
  }
  static TemplateValue Unknown() { return {Kind::kUnknown, "", false}; }
  static TemplateValue Undefined(std::string why) {
    return {Kind::kUndefined, std::move(why), false};
  }
};

// Resolves names and functions for one rendering.
class TemplateScope {
 public:
  virtual ~TemplateScope() = default;
  // `path` is a dotted name split at the dots: {"variables", "db", "port"}.
  virtual TemplateValue Lookup(const std::vector<std::string>& path) const = 0;
  // `args` are the evaluated arguments (string literals or names).
  virtual TemplateValue Call(const std::string& function,
                             const std::vector<std::string>& args) const = 0;
};

struct RenderedText {
  std::string text;        // meaningful only when known
  bool known = true;       // false when any part is unknown until apply
  bool sensitive = false;  // any part came from a secret
};

// True when `text` holds template syntax at all; plain strings need no
// rendering.
bool HasTemplate(std::string_view text);

// Renders `text`. Returns false and sets `*error` ("undefined variable
// 'variables.x'", "unsupported template statement '{% if x %}'" …) when the
// template cannot be rendered.
bool RenderTemplate(std::string_view text, const TemplateScope& scope,
                    RenderedText* out, std::string* error);

}  // namespace occam
