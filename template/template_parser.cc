#include "template/template_parser.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

namespace occam {
namespace {

// Nesting deeper than this (parentheses, blocks) is refused rather than
// risking the stack on hostile input.
constexpr int kMaxDepth = 64;
// An expression's tree may be no taller than this, chains included
// (`a ~ b ~ c …`, `x | f | g …`, `a.b.c…`, which parse without recursion but
// evaluate with it).
constexpr int kMaxHeight = 256;

struct ParseError {
  std::string message;
  size_t offset;
};

// ---- Splitting the text into text, {{ }}, {% %} -------------------------

struct Chunk {
  enum class Kind { kText, kExpr, kStmt };
  Kind kind;
  std::string content;
  size_t offset;  // of the content in the template
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// The position of `close` ending a tag whose content starts at `pos`,
// skipping quoted literals.
size_t TagEnd(std::string_view text, size_t pos, std::string_view close) {
  char quote = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (text.compare(i, close.size(), close) == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::string Trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

class Splitter {
 public:
  explicit Splitter(std::string_view text) : text_(text) {}

  std::vector<Chunk> Split() {
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t open = NextTag(pos);
      if (open == std::string_view::npos) {
        AddText(text_.substr(pos), pos);
        break;
      }
      AddText(text_.substr(pos, open - pos), pos);
      pos = Tag(open);
    }
    return std::move(chunks_);
  }

 private:
  size_t NextTag(size_t from) const {
    for (size_t at = text_.find('{', from); at != std::string_view::npos;
         at = text_.find('{', at + 1)) {
      if (at + 1 < text_.size() &&
          (text_[at + 1] == '{' || text_[at + 1] == '%' || text_[at + 1] == '#')) {
        return at;
      }
    }
    return std::string_view::npos;
  }

  void AddText(std::string_view s, size_t offset) {
    std::string t(s);
    if (strip_next_) {
      size_t b = 0;
      while (b < t.size() && IsSpace(t[b])) ++b;
      t.erase(0, b);
      offset += b;
      strip_next_ = false;
    }
    if (!t.empty()) chunks_.push_back({Chunk::Kind::kText, t, offset});
  }

  // "{%-" strips the whitespace before the tag.
  void StripBefore() {
    if (chunks_.empty() || chunks_.back().kind != Chunk::Kind::kText) return;
    std::string& t = chunks_.back().content;
    while (!t.empty() && IsSpace(t.back())) t.pop_back();
    if (t.empty()) chunks_.pop_back();
  }

  // Reads the tag at `open`; returns the position after it.
  size_t Tag(size_t open) {
    char kind = text_[open + 1];
    size_t start = open + 2;
    if (start < text_.size() && text_[start] == '-') {
      StripBefore();
      ++start;
    } else if (start < text_.size() && text_[start] == '+') {
      ++start;
    }
    std::string close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
    size_t end = kind == '#' ? text_.find(close, start) : TagEnd(text_, start, close);
    if (end == std::string_view::npos) {
      throw ParseError{std::string("unclosed '{") + kind + "'; close it with '" +
                           close + "'",
                       open};
    }
    size_t content_end = end;
    if (content_end > start && text_[content_end - 1] == '-') {
      --content_end;
      strip_next_ = true;
    }
    std::string content(text_.substr(start, content_end - start));
    size_t after = end + 2;
    if (kind == '{') {
      chunks_.push_back({Chunk::Kind::kExpr, content, start});
    } else if (kind == '%') {
      if (Trimmed(content) == "raw") return Raw(after, open);
      chunks_.push_back({Chunk::Kind::kStmt, content, start});
    }
    return after;
  }

  // Copies a {% raw %} block's body as text.
  size_t Raw(size_t body, size_t open) {
    for (size_t at = text_.find("{%", body); at != std::string_view::npos;
         at = text_.find("{%", at + 2)) {
      size_t start = at + 2;
      bool strip_before = start < text_.size() && text_[start] == '-';
      size_t end = text_.find("%}", start);
      if (end == std::string_view::npos) break;
      std::string inner(text_.substr(start, end - start));
      bool strip_after = !inner.empty() && inner.back() == '-';
      if (Trimmed(std::string_view(inner).substr(
              strip_before ? 1 : 0,
              inner.size() - (strip_before ? 1 : 0) - (strip_after ? 1 : 0))) !=
          "endraw") {
        continue;
      }
      std::string body_text(text_.substr(body, at - body));
      if (strip_next_) {
        size_t b = 0;
        while (b < body_text.size() && IsSpace(body_text[b])) ++b;
        body_text.erase(0, b);
        strip_next_ = false;
      }
      if (strip_before) {
        while (!body_text.empty() && IsSpace(body_text.back())) body_text.pop_back();
      }
      if (!body_text.empty()) chunks_.push_back({Chunk::Kind::kText, body_text, body});
      strip_next_ = strip_after;
      return end + 2;
    }
    throw ParseError{"'{% raw %}' without '{% endraw %}'", open};
  }

  std::string_view text_;
  std::vector<Chunk> chunks_;
  bool strip_next_ = false;
};

// ---- Tokens of an expression --------------------------------------------

struct Token {
  enum class Kind { kName, kInt, kFloat, kString, kOp, kEnd };
  Kind kind;
  std::string text;
  long long number = 0;
  size_t offset;
};

// Where a float's fraction or exponent that starts at `i` (after the whole
// digits) ends; `i` when there is none.
size_t FloatEnd(const std::string& s, size_t i) {
  auto digit = [&](size_t k) {
    return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]));
  };
  size_t j = i;
  if (j < s.size() && s[j] == '.' && digit(j + 1)) {
    ++j;
    while (digit(j) || (j < s.size() && s[j] == '_' && digit(j + 1))) ++j;
  }
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    size_t k = j + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    if (digit(k)) {
      while (digit(k)) ++k;
      j = k;
    }
  }
  return j;
}

std::vector<Token> Tokenize(const std::string& s, size_t base) {
  static const char* kOps[] = {"==", "!=", "<=", ">=", "//", "**", "(", ")",
                               "[",  "]",  ",",  ".",  "|",  "~",  "+", "-",
                               "*",  "/",  "%",  "<",  ">",  ":",  "=", "{",
                               "}"};
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    size_t at = base + i;
    if (IsSpace(c)) {
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t b = i;
      while (i < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
        ++i;
      }
      out.push_back({Token::Kind::kName, s.substr(b, i - b), 0, at});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t b = i;
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) ||
                              s[i] == '_')) {
        ++i;
      }
      // Jinja's floats: 1.5, 1e3, 2.5e-3 (not after a '.': `a.0.5` reads
      // items 0 and 5).
      if (size_t end = FloatEnd(s, i); end != i && (b == 0 || s[b - 1] != '.')) {
        std::string text;
        for (char d : s.substr(b, end - b)) {
          if (d != '_') text += d;
        }
        out.push_back({Token::Kind::kFloat, text, 0, at});
        i = end;
        continue;
      }
      std::string digits;
      for (char d : s.substr(b, i - b)) {
        if (d != '_') digits += d;
      }
      if (digits.size() > 18) {
        throw ParseError{"the number " + digits + " is too large", at};
      }
      out.push_back({Token::Kind::kInt, digits, std::stoll(digits), at});
    } else if (c == '\'' || c == '"') {
      std::string text;
      size_t j = i + 1;
      for (; j < s.size() && s[j] != c; ++j) {
        if (s[j] != '\\' || j + 1 >= s.size()) {
          text += s[j];
          continue;
        }
        char e = s[++j];
        text += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      if (j >= s.size()) throw ParseError{"unterminated string literal", at};
      out.push_back({Token::Kind::kString, text, 0, at});
      i = j + 1;
    } else {
      bool found = false;
      for (const char* op : kOps) {
        std::string_view o(op);
        if (s.compare(i, o.size(), o) == 0) {
          out.push_back({Token::Kind::kOp, std::string(o), 0, at});
          i += o.size();
          found = true;
          break;
        }
      }
      if (!found) {
        throw ParseError{std::string("unexpected character '") + c + "'", at};
      }
    }
  }
  out.push_back({Token::Kind::kEnd, "", 0, base + s.size()});
  return out;
}

// ---- Expressions ---------------------------------------------------------

using ExprPtr = std::unique_ptr<TemplateExpr>;

ExprPtr MakeExpr(TemplateExpr::Op op, size_t offset) {
  auto e = std::make_unique<TemplateExpr>();
  e->op = op;
  e->offset = offset;
  return e;
}

// Adds `child` (may be null) to `parent`'s arguments, refusing a tree
// taller than kMaxHeight.
void Attach(TemplateExpr* parent, ExprPtr child) {
  if (child) parent->height = std::max(parent->height, child->height + 1);
  parent->args.push_back(std::move(child));
  if (parent->height > kMaxHeight) {
    throw ParseError{"the expression nests more than " + std::to_string(kMaxHeight) +
                         " levels deep (counting each operator, filter, attribute "
                         "and index of a chain); split it with {% set %}",
                     parent->offset};
  }
}

class ExprParser {
 public:
  explicit ExprParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  ExprPtr Expression() {
    Deeper guard(this);
    ExprPtr e = Or();
    if (IsName("if")) {
      size_t at = Next().offset;
      ExprPtr out = MakeExpr(TemplateExpr::Op::kIfElse, at);
      Attach(out.get(), std::move(e));
      Attach(out.get(), Or());
      if (IsName("else")) {
        Next();
        Attach(out.get(), Expression());
      } else {
        Attach(out.get(), nullptr);
      }
      return out;
    }
    return e;
  }

  // An expression without `x if c else y` at its top.
  ExprPtr OrExpression() {
    Deeper guard(this);
    return Or();
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool AtEnd() const { return Peek().kind == Token::Kind::kEnd; }
  bool IsName(const char* n) const {
    return Peek().kind == Token::Kind::kName && Peek().text == n;
  }
  bool IsOp(const char* o) const {
    return Peek().kind == Token::Kind::kOp && Peek().text == o;
  }
  void Expect(const char* o) {
    if (!IsOp(o)) Fail(std::string("expected '") + o + "'");
    Next();
  }
  std::string ExpectName(const std::string& what) {
    if (Peek().kind != Token::Kind::kName) Fail("expected " + what);
    return Next().text;
  }
  [[noreturn]] void Fail(const std::string& message) const {
    std::string found = Peek().kind == Token::Kind::kEnd
                            ? "the end of the tag"
                            : "'" + Peek().text + "'";
    throw ParseError{message + ", found " + found, Peek().offset};
  }

 private:
  struct Deeper {
    explicit Deeper(ExprParser* p) : p_(p) {
      if (++p_->depth_ > kMaxDepth) {
        throw ParseError{"the expression nests too deeply", p_->Peek().offset};
      }
    }
    ~Deeper() { --p_->depth_; }
    ExprParser* p_;
  };

  ExprPtr Binary(TemplateExpr::Op op, size_t at, ExprPtr l, ExprPtr r,
                 std::string name = "") {
    ExprPtr e = MakeExpr(op, at);
    e->name = std::move(name);
    Attach(e.get(), std::move(l));
    Attach(e.get(), std::move(r));
    return e;
  }

  ExprPtr Or() {
    ExprPtr e = And();
    while (IsName("or")) {
      size_t at = Next().offset;
      e = Binary(TemplateExpr::Op::kOr, at, std::move(e), And());
    }
    return e;
  }

  ExprPtr And() {
    ExprPtr e = Not();
    while (IsName("and")) {
      size_t at = Next().offset;
      e = Binary(TemplateExpr::Op::kAnd, at, std::move(e), Not());
    }
    return e;
  }

  ExprPtr Not() {
    if (IsName("not")) {
      Deeper guard(this);
      size_t at = Next().offset;
      ExprPtr e = MakeExpr(TemplateExpr::Op::kNot, at);
      Attach(e.get(), Not());
      return e;
    }
    return Compare();
  }

  ExprPtr Compare() {
    ExprPtr e = Concat();
    for (;;) {
      const Token& t = Peek();
      bool op = t.kind == Token::Kind::kOp &&
                (t.text == "==" || t.text == "!=" || t.text == "<" ||
                 t.text == ">" || t.text == "<=" || t.text == ">=");
      if (op) {
        std::string name = Next().text;
        e = Binary(TemplateExpr::Op::kBinary, t.offset, std::move(e), Concat(), name);
      } else if (IsName("in")) {
        size_t at = Next().offset;
        e = Binary(TemplateExpr::Op::kBinary, at, std::move(e), Concat(), "in");
      } else if (IsName("not") && tokens_[pos_ + 1].kind == Token::Kind::kName &&
                 tokens_[pos_ + 1].text == "in") {
        size_t at = Next().offset;
        Next();
        e = Binary(TemplateExpr::Op::kBinary, at, std::move(e), Concat(), "in");
        e->negated = true;
      } else {
        return e;
      }
    }
  }

  ExprPtr Concat() {
    ExprPtr e = Additive();
    while (IsOp("~")) {
      size_t at = Next().offset;
      e = Binary(TemplateExpr::Op::kBinary, at, std::move(e), Additive(), "~");
    }
    return e;
  }

  ExprPtr Additive() {
    ExprPtr e = Multiplicative();
    while (IsOp("+") || IsOp("-")) {
      const Token& t = Next();
      e = Binary(TemplateExpr::Op::kBinary, t.offset, std::move(e),
                 Multiplicative(), t.text);
    }
    return e;
  }

  ExprPtr Multiplicative() {
    ExprPtr e = Unary();
    while (IsOp("*") || IsOp("//") || IsOp("%") || IsOp("/") || IsOp("**")) {
      if (IsOp("**")) Fail("'**' is not supported; multiply with '*'");
      const Token& t = Next();
      e = Binary(TemplateExpr::Op::kBinary, t.offset, std::move(e), Unary(),
                 t.text);
    }
    return e;
  }

  ExprPtr Unary() {
    if (IsOp("-")) {
      Deeper guard(this);
      size_t at = Next().offset;
      ExprPtr e = MakeExpr(TemplateExpr::Op::kNegate, at);
      Attach(e.get(), Unary());
      return e;
    }
    if (IsOp("+")) Next();
    return Filters(Postfix(Primary()));
  }

  // expr | filter(args) … and expr is [not] test [arg].
  ExprPtr Filters(ExprPtr e) {
    for (;;) {
      if (IsOp("|")) {
        size_t at = Next().offset;
        ExprPtr f = MakeExpr(TemplateExpr::Op::kFilter, at);
        f->name = ExpectName("a filter name after '|'");
        Attach(f.get(), std::move(e));
        if (IsOp("(")) Arguments(f.get());
        e = std::move(f);
      } else if (IsName("is")) {
        size_t at = Next().offset;
        ExprPtr t = MakeExpr(TemplateExpr::Op::kTest, at);
        if (IsName("not")) {
          Next();
          t->negated = true;
        }
        t->name = ExpectName("a test name after 'is'");
        Attach(t.get(), std::move(e));
        if (IsOp("(")) {
          Arguments(t.get());
        } else if (Peek().kind == Token::Kind::kString ||
                   Peek().kind == Token::Kind::kInt) {
          Attach(t.get(), Primary());
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  // "(a, b)" appended to e->args.
  void Arguments(TemplateExpr* e) {
    Expect("(");
    while (!IsOp(")")) {
      std::string keyword;
      if (Peek().kind == Token::Kind::kName &&
          tokens_[pos_ + 1].kind == Token::Kind::kOp &&
          tokens_[pos_ + 1].text == "=") {
        keyword = Next().text;
        Next();
      } else if (!e->keywords.empty() && !e->keywords.back().empty()) {
        Fail("a positional argument follows a keyword argument");
      }
      if (!keyword.empty() || !e->keywords.empty()) e->keywords.resize(e->args.size());
      if (!keyword.empty() || !e->keywords.empty()) e->keywords.push_back(keyword);
      Attach(e, Expression());
      if (!IsOp(",")) break;
      Next();
    }
    Expect(")");
  }

  ExprPtr Postfix(ExprPtr e) {
    for (;;) {
      if (IsOp(".")) {
        size_t at = Next().offset;
        std::string name;
        if (Peek().kind == Token::Kind::kInt) {
          ExprPtr index = MakeExpr(TemplateExpr::Op::kIndex, at);
          Attach(index.get(), std::move(e));
          ExprPtr lit = MakeExpr(TemplateExpr::Op::kLiteral, at);
          lit->literal = TemplateValue::Int(Next().number);
          Attach(index.get(), std::move(lit));
          e = std::move(index);
          continue;
        }
        name = ExpectName("an attribute name after '.'");
        ExprPtr a = MakeExpr(IsOp("(") ? TemplateExpr::Op::kMethod
                                       : TemplateExpr::Op::kAttr,
                             at);
        a->name = name;
        Attach(a.get(), std::move(e));
        if (a->op == TemplateExpr::Op::kMethod) Arguments(a.get());
        e = std::move(a);
      } else if (IsOp("[")) {
        e = Subscript(std::move(e));
      } else if (IsOp("(")) {
        Fail("only a function name may be called");
      } else {
        return e;
      }
    }
  }

  ExprPtr Subscript(ExprPtr e) {
    Deeper guard(this);
    size_t at = Next().offset;
    ExprPtr lower = IsOp(":") ? nullptr : Expression();
    if (!IsOp(":")) {
      Expect("]");
      ExprPtr index = MakeExpr(TemplateExpr::Op::kIndex, at);
      Attach(index.get(), std::move(e));
      Attach(index.get(), std::move(lower));
      return index;
    }
    Next();
    ExprPtr upper = IsOp("]") ? nullptr : Expression();
    if (IsOp(":")) Fail("slices with a step are not supported");
    Expect("]");
    ExprPtr slice = MakeExpr(TemplateExpr::Op::kSlice, at);
    Attach(slice.get(), std::move(e));
    Attach(slice.get(), std::move(lower));
    Attach(slice.get(), std::move(upper));
    return slice;
  }

  ExprPtr Primary() {
    Deeper guard(this);
    const Token& t = Peek();
    size_t at = t.offset;
    switch (t.kind) {
      case Token::Kind::kString: {
        ExprPtr e = MakeExpr(TemplateExpr::Op::kLiteral, at);
        std::string text = Next().text;
        // Adjacent literals join, as in Python.
        while (Peek().kind == Token::Kind::kString) text += Next().text;
        e->literal = TemplateValue::String(text);
        return e;
      }
      case Token::Kind::kInt: {
        ExprPtr e = MakeExpr(TemplateExpr::Op::kLiteral, at);
        e->literal = TemplateValue::Int(Next().number);
        return e;
      }
      case Token::Kind::kFloat: {
        ExprPtr e = MakeExpr(TemplateExpr::Op::kLiteral, at);
        e->literal = TemplateValue::Float(std::strtod(Next().text.c_str(), nullptr));
        return e;
      }
      case Token::Kind::kName:
        return Name();
      case Token::Kind::kOp:
        if (t.text == "(") {
          Next();
          ExprPtr e = Expression();
          if (IsOp(",")) Fail("tuples are not supported; use a list [a, b]");
          Expect(")");
          return e;
        }
        if (t.text == "[") return ListLiteral();
        if (t.text == "{") return DictLiteral();
        break;
      case Token::Kind::kEnd:
        break;
    }
    Fail("expected a value");
  }

  ExprPtr Name() {
    const Token& t = Next();
    ExprPtr e = MakeExpr(TemplateExpr::Op::kLiteral, t.offset);
    if (t.text == "true" || t.text == "True") {
      e->literal = TemplateValue::Bool(true);
    } else if (t.text == "false" || t.text == "False") {
      e->literal = TemplateValue::Bool(false);
    } else if (t.text == "none" || t.text == "None") {
      e->literal = TemplateValue::None();
    } else if (IsOp("(")) {
      e->op = TemplateExpr::Op::kCall;
      e->name = t.text;
      Arguments(e.get());
    } else {
      e->op = TemplateExpr::Op::kName;
      e->name = t.text;
    }
    return e;
  }

  ExprPtr ListLiteral() {
    ExprPtr e = MakeExpr(TemplateExpr::Op::kList, Next().offset);
    while (!IsOp("]")) {
      Attach(e.get(), Expression());
      if (!IsOp(",")) break;
      Next();
    }
    Expect("]");
    return e;
  }

  // {'key': value, …}
  ExprPtr DictLiteral() {
    ExprPtr e = MakeExpr(TemplateExpr::Op::kDict, Next().offset);
    while (!IsOp("}")) {
      Attach(e.get(), Expression());
      Expect(":");
      Attach(e.get(), Expression());
      if (!IsOp(",")) break;
      Next();
    }
    Expect("}");
    return e;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

ExprPtr ParseWholeExpression(const std::string& content, size_t offset) {
  ExprParser p(Tokenize(content, offset));
  if (p.AtEnd()) throw ParseError{"empty expression '{{ }}'", offset};
  ExprPtr e = p.Expression();
  if (!p.AtEnd()) p.Fail("expected the end of the expression");
  return e;
}

// ---- Statements ----------------------------------------------------------

class BlockParser {
 public:
  explicit BlockParser(std::vector<Chunk> chunks) : chunks_(std::move(chunks)) {}

  std::vector<TemplateNode> Parse() {
    std::vector<TemplateNode> nodes = Body({}, nullptr);
    return nodes;
  }

 private:
  // Parses nodes until a statement whose keyword is in `ends`, whose
  // keyword (and the parser of the rest of it) is left in `*end`.
  std::vector<TemplateNode> Body(const std::vector<std::string>& ends,
                                 std::string* end) {
    if (++depth_ > kMaxDepth) {
      throw ParseError{"blocks nest too deeply", Offset()};
    }
    std::vector<TemplateNode> nodes;
    while (pos_ < chunks_.size()) {
      const Chunk& c = chunks_[pos_++];
      if (c.kind == Chunk::Kind::kText) {
        TemplateNode n;
        n.text = c.content;
        n.offset = c.offset;
        nodes.push_back(std::move(n));
      } else if (c.kind == Chunk::Kind::kExpr) {
        TemplateNode n;
        n.kind = TemplateNode::Kind::kOutput;
        n.offset = c.offset;
        n.expr = ParseWholeExpression(c.content, c.offset);
        nodes.push_back(std::move(n));
      } else {
        statement_ = std::make_unique<ExprParser>(Tokenize(c.content, c.offset));
        statement_offset_ = c.offset;
        if (statement_->AtEnd()) throw ParseError{"empty statement '{% %}'", c.offset};
        std::string keyword = statement_->ExpectName("a statement keyword");
        for (const std::string& e : ends) {
          if (keyword == e) {
            *end = keyword;
            --depth_;
            return nodes;
          }
        }
        nodes.push_back(Statement(keyword, c));
      }
    }
    if (!ends.empty()) {
      throw ParseError{"'{% " + opener_ + " %}' is not closed; add '{% " +
                           ends.back() + " %}'",
                       opener_offset_};
    }
    --depth_;
    return nodes;
  }

  size_t Offset() const {
    return pos_ < chunks_.size() ? chunks_[pos_].offset : 0;
  }

  void EndOfStatement() {
    if (!statement_->AtEnd()) statement_->Fail("expected '%}'");
  }

  TemplateNode Statement(const std::string& keyword, const Chunk& c) {
    if (keyword == "if") return If(c);
    if (keyword == "for") return For(c);
    if (keyword == "set") return Set(c);
    if (keyword == "macro") return Macro(c);
    if (keyword == "call") return CallBlock(c);
    if (keyword == "endif" || keyword == "endfor" || keyword == "else" ||
        keyword == "elif" || keyword == "endraw" || keyword == "endmacro" ||
        keyword == "endcall") {
      throw ParseError{"'{% " + keyword + " %}' without its opening statement",
                       c.offset};
    }
    throw ParseError{"unsupported template statement '{% " + Trimmed(c.content) +
                         " %}'; occam renders if, for, set, macro, call and raw (see "
                         "docs/templates.md)",
                     c.offset};
  }

  TemplateNode If(const Chunk& c) {
    TemplateNode n;
    n.kind = TemplateNode::Kind::kIf;
    n.offset = c.offset;
    std::unique_ptr<TemplateExpr> condition = statement_->Expression();
    EndOfStatement();
    for (;;) {
      opener_ = "if";
      opener_offset_ = c.offset;
      std::string end;
      std::vector<TemplateNode> body = Body({"elif", "else", "endif"}, &end);
      n.branches.push_back({std::move(condition), std::move(body)});
      if (end == "endif") break;
      if (end == "elif") {
        condition = statement_->Expression();
      } else {
        condition = nullptr;
        EndOfStatement();
        opener_ = "if";
        std::string last;
        std::vector<TemplateNode> else_body = Body({"endif"}, &last);
        n.branches.push_back({nullptr, std::move(else_body)});
        break;
      }
      EndOfStatement();
    }
    EndOfStatement();
    return n;
  }

  TemplateNode For(const Chunk& c) {
    TemplateNode n;
    n.kind = TemplateNode::Kind::kFor;
    n.offset = c.offset;
    n.targets.push_back(statement_->ExpectName("a loop variable"));
    while (statement_->IsOp(",")) {
      statement_->Next();
      n.targets.push_back(statement_->ExpectName("a loop variable"));
    }
    if (!statement_->IsName("in")) statement_->Fail("expected 'in'");
    statement_->Next();
    // As Jinja: the iterable is no conditional expression, so that a
    // following `if` filters the items.
    n.expr = statement_->OrExpression();
    if (statement_->IsName("if")) {
      statement_->Next();
      n.filter = statement_->Expression();
    }
    if (statement_->IsName("recursive")) statement_->Fail("recursive loops are not supported");
    EndOfStatement();
    opener_ = "for";
    opener_offset_ = c.offset;
    std::string end;
    n.body = Body({"else", "endfor"}, &end);
    if (end == "else") {
      EndOfStatement();
      opener_ = "for";
      n.else_body = Body({"endfor"}, &end);
    }
    EndOfStatement();
    return n;
  }

  TemplateNode Set(const Chunk& c) {
    TemplateNode n;
    n.kind = TemplateNode::Kind::kSet;
    n.offset = c.offset;
    n.targets.push_back(statement_->ExpectName("a variable name"));
    if (!statement_->IsOp("=")) {
      statement_->Fail("expected '=' (block assignments are not supported)");
    }
    statement_->Next();
    n.expr = statement_->Expression();
    EndOfStatement();
    return n;
  }

  // {% macro name(a, b='default') %}…{% endmacro %}
  TemplateNode Macro(const Chunk& c) {
    TemplateNode n;
    n.kind = TemplateNode::Kind::kMacro;
    n.offset = c.offset;
    n.targets.push_back(statement_->ExpectName("a macro name"));
    statement_->Expect("(");
    while (!statement_->IsOp(")")) {
      n.targets.push_back(statement_->ExpectName("a parameter name"));
      std::unique_ptr<TemplateExpr> fallback;
      if (statement_->IsOp("=")) {
        statement_->Next();
        fallback = statement_->Expression();
      } else if (!n.defaults.empty() && n.defaults.back()) {
        statement_->Fail("a parameter without a default follows one with a default");
      }
      n.defaults.push_back(std::move(fallback));
      if (!statement_->IsOp(",")) break;
      statement_->Next();
    }
    statement_->Expect(")");
    EndOfStatement();
    n.body = Closed(c, "macro", "endmacro");
    return n;
  }

  // {% call name(args) %}…{% endcall %}: the body is the macro's caller().
  TemplateNode CallBlock(const Chunk& c) {
    TemplateNode n;
    n.kind = TemplateNode::Kind::kCallBlock;
    n.offset = c.offset;
    n.expr = statement_->Expression();
    if (n.expr->op != TemplateExpr::Op::kCall) {
      statement_->Fail("'{% call %}' needs a macro call, such as '{% call m() %}'");
    }
    EndOfStatement();
    n.body = Closed(c, "call", "endcall");
    return n;
  }

  std::vector<TemplateNode> Closed(const Chunk& c, const char* opener, const char* end) {
    opener_ = opener;
    opener_offset_ = c.offset;
    std::string found;
    std::vector<TemplateNode> body = Body({end}, &found);
    EndOfStatement();
    return body;
  }

  std::vector<Chunk> chunks_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::unique_ptr<ExprParser> statement_;
  size_t statement_offset_ = 0;
  std::string opener_;
  size_t opener_offset_ = 0;
};

// Jinja's newline handling: "\r\n" and "\r" read as "\n", and one trailing
// newline is dropped (keep_trailing_newline is off in Occopus).
std::string NormalizeNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

bool ParseTemplate(std::string_view text, ParsedTemplate* out,
                   std::string* error, size_t* error_offset) {
  // Offsets refer to the normalized text; it differs from the original only
  // where "\r\n" became "\n".
  std::string normalized = NormalizeNewlines(text);
  try {
    BlockParser parser(Splitter(normalized).Split());
    out->nodes = parser.Parse();
    return true;
  } catch (const ParseError& e) {
    *error = e.message;
    *error_offset = e.offset;
    return false;
  }
}

}  // namespace occam
