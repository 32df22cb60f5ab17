// Parses a template of the Jinja2 subset occam renders (docs/templates.md)
// into a tree: text, {{ expressions }}, {% if %}, {% for %}, {% set %},
// {% macro %} and {% call %};
// {% raw %} blocks, {# comments #} and whitespace control ({%- -%}) are
// resolved while parsing. What occam does not support is an error naming
// the construct and its position — never passed through as text.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "template/template_value.h"

namespace occam {

struct TemplateExpr {
  enum class Op {
    kLiteral,  // literal
    kName,     // name
    kList,     // [args…]
    kDict,     // {args[0]: args[1], args[2]: args[3], …}
    kAttr,     // args[0].name
    kIndex,    // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]], either bound may be null
    kCall,     // name(args…)
    kMethod,   // args[0].name(args[1…])
    kFilter,   // args[0] | name(args[1…])
    kTest,     // args[0] is [not] name [args[1]]
    kNot,
    kNegate,
    kBinary,   // args[0] name args[1]: + - * // % ~ == != < > <= >= in
    kAnd,
    kOr,
    kIfElse,   // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Op op = Op::kLiteral;
  TemplateValue literal;
  std::string name;
  bool negated = false;  // "is not", "not in"
  std::vector<std::unique_ptr<TemplateExpr>> args;
  // Of a call, method or filter: the keyword of each argument ("" when
  // passed by position), as many as `args` once any has a keyword.
  std::vector<std::string> keywords;
  size_t offset = 0;  // in the template text, for messages
  int height = 1;     // of the tree under it: 1 for a leaf
};

struct TemplateNode {
  enum class Kind { kText, kOutput, kIf, kFor, kSet, kMacro, kCallBlock };
  struct Branch {
    std::unique_ptr<TemplateExpr> condition;  // null: else
    std::vector<TemplateNode> body;
  };
  Kind kind = Kind::kText;
  std::string text;                    // kText
  // kOutput; kFor: iterable; kSet: value; kCallBlock: the macro call
  std::unique_ptr<TemplateExpr> expr;
  // kFor: loop variables; kSet: name; kMacro: name, then its parameters
  std::vector<std::string> targets;
  // kMacro: each parameter's default (null: none), as many as its parameters
  std::vector<std::unique_ptr<TemplateExpr>> defaults;
  std::vector<Branch> branches;        // kIf
  std::vector<TemplateNode> body;      // kFor, kMacro, kCallBlock
  std::unique_ptr<TemplateExpr> filter;  // kFor: `for x in xs if filter`
  std::vector<TemplateNode> else_body; // kFor: when the iterable is empty
  size_t offset = 0;
};

struct ParsedTemplate {
  std::vector<TemplateNode> nodes;
};

// Parses `text`. Returns false with `*error` ("unsupported statement
// '{% macro %}'", "unclosed '{{'", "expected ')'") and `*error_offset`.
bool ParseTemplate(std::string_view text, ParsedTemplate* out,
                   std::string* error, size_t* error_offset);

}  // namespace occam
