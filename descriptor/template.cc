#include "descriptor/template.h"

#include <algorithm>
#include <cctype>

namespace occam {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Evaluates one expression: 'literal', "literal", 123, a.b.c or f(args).
class ExpressionEvaluator {
 public:
  ExpressionEvaluator(const TemplateScope& scope, std::string* error)
      : scope_(scope), error_(error) {}

  bool Evaluate(const std::string& expr, TemplateValue* out) {
    if (expr.empty()) return Fail("empty expression '{{ }}'");
    char first = expr.front();
    if ((first == '\'' || first == '"') && expr.size() >= 2 &&
        expr.back() == first &&
        expr.find(first, 1) == expr.size() - 1) {
      *out = TemplateValue::Text(expr.substr(1, expr.size() - 2));
      return true;
    }
    if (std::all_of(expr.begin(), expr.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      *out = TemplateValue::Text(expr);
      return true;
    }
    size_t paren = expr.find('(');
    if (paren != std::string::npos && expr.back() == ')') {
      return EvaluateCall(expr, paren, out);
    }
    return EvaluateName(expr, out);
  }

 private:
  bool Fail(const std::string& message) {
    *error_ = message;
    return false;
  }

  bool EvaluateName(const std::string& expr, TemplateValue* out) {
    std::vector<std::string> path;
    size_t start = 0;
    for (;;) {
      size_t dot = expr.find('.', start);
      std::string part = Trim(expr.substr(start, dot - start));
      if (!IsIdentifier(part)) {
        return Fail("cannot render '{{ " + expr +
                    " }}': occam understands names (variables.x), string "
                    "literals and getip/getprivip/getipall('node')");
      }
      path.push_back(part);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    *out = scope_.Lookup(path);
    if (out->kind == TemplateValue::Kind::kUndefined) return Fail(out->text);
    return true;
  }

  bool EvaluateCall(const std::string& expr, size_t paren, TemplateValue* out) {
    std::string name = Trim(expr.substr(0, paren));
    if (!IsIdentifier(name)) return EvaluateName(expr, out);
    std::string inner = expr.substr(paren + 1, expr.size() - paren - 2);
    std::vector<std::string> args;
    if (!Trim(inner).empty()) {
      size_t start = 0;
      for (;;) {
        size_t comma = inner.find(',', start);
        TemplateValue arg;
        if (!Evaluate(Trim(inner.substr(start, comma - start)), &arg)) {
          return false;
        }
        if (arg.kind != TemplateValue::Kind::kText) {
          *out = arg;
          return true;
        }
        args.push_back(arg.text);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    *out = scope_.Call(name, args);
    if (out->kind == TemplateValue::Kind::kUndefined) return Fail(out->text);
    return true;
  }

  const TemplateScope& scope_;
  std::string* error_;
};

// Handles one {% … %} tag at `pos` (just past "{%"). A raw block is copied
// out whole; anything else is unsupported.
bool Statement(std::string_view text, size_t* pos, RenderedText* out,
               std::string* error) {
  size_t end = text.find("%}", *pos);
  if (end == std::string_view::npos) {
    *error = "unclosed '{%' in template";
    return false;
  }
  std::string statement = Trim(text.substr(*pos, end - *pos));
  if (statement != "raw") {
    *error = "unsupported template statement '{% " + statement +
             " %}'; occam renders {{ expressions }} and {% raw %} blocks";
    return false;
  }
  size_t body = end + 2;
  size_t close = text.find("{%", body);
  while (close != std::string_view::npos) {
    size_t close_end = text.find("%}", close);
    if (close_end == std::string_view::npos) break;
    if (Trim(text.substr(close + 2, close_end - close - 2)) == "endraw") {
      out->text.append(text.substr(body, close - body));
      *pos = close_end + 2;
      return true;
    }
    close = text.find("{%", close + 2);
  }
  *error = "'{% raw %}' without '{% endraw %}'";
  return false;
}

// The position of the "}}" that closes an expression starting at `pos`,
// skipping quoted literals ('}}' may be written inside them).
size_t ExpressionEnd(std::string_view text, size_t pos) {
  char quote = 0;
  for (size_t i = pos; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '}' && text[i + 1] == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool HasTemplate(std::string_view text) {
  for (size_t at = text.find('{'); at != std::string_view::npos;
       at = text.find('{', at + 1)) {
    if (at + 1 < text.size() &&
        (text[at + 1] == '{' || text[at + 1] == '%' || text[at + 1] == '#')) {
      return true;
    }
  }
  return false;
}

bool RenderTemplate(std::string_view text, const TemplateScope& scope,
                    RenderedText* out, std::string* error) {
  *out = RenderedText();
  ExpressionEvaluator evaluator(scope, error);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == std::string_view::npos || open + 1 >= text.size()) {
      out->text.append(text.substr(pos));
      break;
    }
    char kind = text[open + 1];
    if (kind != '{' && kind != '%' && kind != '#') {
      out->text.append(text.substr(pos, open + 1 - pos));
      pos = open + 1;
      continue;
    }
    out->text.append(text.substr(pos, open - pos));
    pos = open + 2;
    if (kind == '%') {
      if (!Statement(text, &pos, out, error)) return false;
      continue;
    }
    size_t close =
        kind == '{' ? ExpressionEnd(text, pos) : text.find("#}", pos);
    if (close == std::string_view::npos) {
      *error = std::string("unclosed '{") + kind + "' in template";
      return false;
    }
    if (kind == '{') {
      TemplateValue value;
      if (!evaluator.Evaluate(Trim(text.substr(pos, close - pos)), &value)) {
        return false;
      }
      out->known = out->known && value.kind == TemplateValue::Kind::kText;
      out->sensitive = out->sensitive || value.sensitive;
      out->text += value.text;
    }
    pos = close + 2;
  }
  return true;
}

}  // namespace occam
