#include "template/template.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>

#include "template/template_budget.h"
#include "template/template_filters.h"
#include "template/template_parser.h"

namespace occam {
namespace {

using Kind = TemplateValue::Kind;
using Op = TemplateExpr::Op;

struct RenderError {
  size_t offset;
  std::string message;
  bool over_limit = false;  // a TemplateLimits bound, not a mistake
};

// How an expression was written, for messages: "variables.db.port".
std::string Written(const TemplateExpr& e) {
  switch (e.op) {
    case Op::kName:
      return e.name;
    case Op::kAttr:
      return Written(*e.args[0]) + "." + e.name;
    case Op::kIndex:
      return Written(*e.args[0]) + "[" +
             (e.args[1]->op == Op::kLiteral ? e.args[1]->literal.Repr() : "…") +
             "]";
    case Op::kCall:
      return e.name + "(…)";
    case Op::kMethod:
      return Written(*e.args[0]) + "." + e.name + "(…)";
    case Op::kFilter:
      return Written(*e.args[0]) + " | " + e.name;
    default:
      return "the expression";
  }
}

// Characters [begin, end) of UTF-8 `text`, counted as Python counts them.
std::string SliceText(const std::string& text, long long begin, long long end) {
  auto next = [&](size_t at) {
    unsigned char c = static_cast<unsigned char>(text[at]);
    return at + (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1);
  };
  size_t from = 0;
  long long i = 0;
  for (; i < begin && from < text.size(); ++i) from = next(from);
  from = std::min(from, text.size());  // a sequence cut short at the end
  size_t to = from;
  for (; i < end && to < text.size(); ++i) to = next(to);
  return text.substr(from, std::min(to, text.size()) - from);
}

// Python's floor division and modulo.
long long FloorDiv(long long a, long long b) {
  long long q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

class Renderer {
 public:
  Renderer(const TemplateScope& scope, const TemplateLimits& limits,
           std::vector<TemplateProblem>* warnings)
      : scope_(scope),
        limits_(limits),
        budget_(limits.max_value_bytes, limits.max_work_bytes),
        warnings_(warnings) {
    locals_.emplace_back();
  }

  void Render(const std::vector<TemplateNode>& nodes, RenderedText* out) {
    out_ = out;
    try {
      RenderNodes(nodes);
    } catch (...) {
      out->steps = steps_;
      out->work = budget_.work();
      throw;
    }
    out->steps = steps_;
    out->work = budget_.work();
  }

 private:
  void Warn(size_t offset, std::string message) {
    if (!warnings_ || !warned_.insert(offset).second) return;
    warnings_->push_back({offset, std::move(message)});
  }

  void Step(size_t offset) {
    if (++steps_ > limits_.max_steps) {
      throw RenderError{offset,
                        "the template takes more than " +
                            std::to_string(limits_.max_steps) +
                            " steps to render; loop over less data",
                        true};
    }
  }

  // Checks, before building it, that a value of `bytes` may be built.
  void Build(size_t bytes, size_t offset) {
    std::string error;
    if (!budget_.Build(bytes, &error)) throw RenderError{offset, error, true};
  }

  // Counts `bytes` copied or compared.
  void Work(size_t bytes, size_t offset) {
    std::string error;
    if (!budget_.Work(bytes, &error)) throw RenderError{offset, error, true};
  }

  // A value built by an operation, counted against the budget (its bytes,
  // and how deeply it nests: deeper values would make copying, comparing
  // and printing them recurse without bound).
  TemplateValue Built(TemplateValue v, size_t offset) {
    if (v.depth() > kMaxValueDepth) {
      throw RenderError{offset, "the template nests lists and mappings more than " +
                                    std::to_string(kMaxValueDepth) + " deep",
                        true};
    }
    Build(ValueBytes(v, budget_.max_value_bytes()), offset);
    return v;
  }

  // What Jinja prints for `v`, within the budget.
  std::string Text(const TemplateValue& v, size_t offset) {
    if (v.kind() == Kind::kList || v.kind() == Kind::kMap) {
      // Python's repr at most quadruples a character (\x00) and adds a few
      // per item.
      Build(ValueBytes(v, budget_.max_value_bytes()) * 4, offset);
    }
    std::string text = v.Str();
    Work(text.size(), offset);
    return text;
  }

  void Emit(const std::string& text, size_t offset) {
    Work(text.size(), offset);
    out_->text += text;
    if (out_->text.size() > limits_.max_output_bytes) {
      throw RenderError{offset,
                        "the template renders more than " +
                            std::to_string(limits_.max_output_bytes >> 20) +
                            " MiB; occam refuses larger strings",
                        true};
    }
  }

  void RenderNodes(const std::vector<TemplateNode>& nodes) {
    for (const TemplateNode& n : nodes) {
      Step(n.offset);
      switch (n.kind) {
        case TemplateNode::Kind::kText:
          Emit(n.text, n.offset);
          break;
        case TemplateNode::Kind::kOutput:
          Output(n);
          break;
        case TemplateNode::Kind::kIf:
          If(n);
          break;
        case TemplateNode::Kind::kFor:
          For(n);
          break;
        case TemplateNode::Kind::kSet:
          locals_.back()[n.targets[0]] = Eval(*n.expr);
          break;
        case TemplateNode::Kind::kMacro:
          macros_[n.targets[0]] = &n;
          break;
        case TemplateNode::Kind::kCallBlock:
          CallBlock(n);
          break;
      }
    }
  }

  void Output(const TemplateNode& n) {
    TemplateValue v = Eval(*n.expr);
    if (v.is_unknown()) out_->known = false;
    if (v.is_undefined()) {
      std::string name = Written(*n.expr);
      Warn(n.offset, "'" + name +
                         "' is undefined and renders as an empty string, as "
                         "in Jinja; define it, or write {{ " + name +
                         " | default('') }} to say so");
    }
    out_->sensitive = out_->sensitive || v.sensitive();
    Emit(Text(v, n.offset), n.offset);
  }

  // Renders `nodes` whose output depends on a value known only after apply:
  // into a scratch buffer, so that mistakes in them still show now. Errors
  // there may never happen (the branch may not be taken), so they are
  // warnings.
  void Speculate(const std::vector<TemplateNode>& nodes, size_t offset) {
    RenderedText scratch;
    RenderedText* saved = out_;
    out_ = &scratch;
    try {
      RenderNodes(nodes);
    } catch (const RenderError& e) {
      Warn(e.offset, e.message +
                         " (in a part of the template that depends on a "
                         "value known only after apply)");
    }
    out_ = saved;
    out_->known = false;
    out_->sensitive = out_->sensitive || scratch.sensitive;
    (void)offset;
  }

  void If(const TemplateNode& n) {
    for (size_t i = 0; i < n.branches.size(); ++i) {
      const TemplateNode::Branch& b = n.branches[i];
      if (!b.condition) {
        RenderNodes(b.body);
        return;
      }
      TemplateValue c = Eval(*b.condition);
      if (c.is_unknown()) {
        for (size_t j = i; j < n.branches.size(); ++j) {
          Speculate(n.branches[j].body, n.offset);
        }
        return;
      }
      if (c.Truthy()) {
        RenderNodes(b.body);
        return;
      }
    }
  }

  void For(const TemplateNode& n) {
    TemplateValue iterable = Eval(*n.expr);
    if (iterable.is_unknown()) {
      locals_.emplace_back();
      for (const std::string& t : n.targets) locals_.back()[t] = TemplateValue::Unknown();
      locals_.back()["loop"] = TemplateValue::Unknown();
      Speculate(n.body, n.offset);
      locals_.pop_back();
      return;
    }
    TemplateValue::List items;
    if (!iterable.is_undefined()) {
      std::optional<long long> length = iterable.Length();
      if (length) Build(static_cast<size_t>(*length) * kItemBytes, n.expr->offset);
      std::optional<TemplateValue::List> got = iterable.Iterate();
      if (!got) {
        throw RenderError{n.expr->offset,
                          "'for' needs a list, a mapping or a string, but '" +
                              Written(*n.expr) + "' is " + iterable.TypeName()};
      }
      items = std::move(*got);
    }
    if (n.filter) items = Filtered(n, std::move(items));
    if (items.empty()) {
      RenderNodes(n.else_body);
      return;
    }
    const long long length = static_cast<long long>(items.size());
    for (long long i = 0; i < length; ++i) {
      Step(n.offset);
      locals_.emplace_back();
      Bind(n, items[static_cast<size_t>(i)]);
      locals_.back()["loop"] = TemplateValue::FromMap(
          {{"index", TemplateValue::Int(i + 1)},
           {"index0", TemplateValue::Int(i)},
           {"revindex", TemplateValue::Int(length - i)},
           {"revindex0", TemplateValue::Int(length - i - 1)},
           {"first", TemplateValue::Bool(i == 0)},
           {"last", TemplateValue::Bool(i == length - 1)},
           {"length", TemplateValue::Int(length)}});
      RenderNodes(n.body);
      locals_.pop_back();
    }
  }

  // `for x in xs if cond`: the items for which cond holds, chosen before the
  // loop runs, so that loop.length and loop.last count only those (Jinja).
  TemplateValue::List Filtered(const TemplateNode& n, TemplateValue::List items) {
    TemplateValue::List kept;
    for (TemplateValue& item : items) {
      Step(n.offset);
      locals_.emplace_back();
      Bind(n, item);
      TemplateValue keep = Eval(*n.filter);
      locals_.pop_back();
      if (keep.is_unknown()) {
        throw RenderError{n.filter->offset,
                          "the loop filter depends on a value known only after apply"};
      }
      if (keep.Truthy()) kept.push_back(std::move(item));
    }
    return kept;
  }

  // Binds the loop variables to `item` (unpacking "for k, v in …").
  void Bind(const TemplateNode& n, const TemplateValue& item) {
    if (n.targets.size() == 1) {
      locals_.back()[n.targets[0]] = item;
      return;
    }
    std::optional<long long> length = item.Length();
    std::optional<TemplateValue::List> parts;
    if (length && *length == static_cast<long long>(n.targets.size())) parts = item.Iterate();
    if (!parts || parts->size() != n.targets.size()) {
      throw RenderError{n.offset, "cannot unpack " + item.TypeName() + " into " +
                                      std::to_string(n.targets.size()) +
                                      " loop variables"};
    }
    for (size_t i = 0; i < parts->size(); ++i) {
      locals_.back()[n.targets[i]] = (*parts)[i];
    }
  }

  [[noreturn]] void Undefined(const TemplateExpr& base, size_t offset) {
    throw RenderError{offset, "'" + Written(base) +
                                  "' is undefined, so nothing can be read "
                                  "from it; define it"};
  }

  // Bounds how deeply evaluation recurses (expressions within macros within
  // expressions), so that no template can overflow the stack.
  struct Deeper {
    Deeper(Renderer* r, size_t offset) : r_(r) {
      if (++r_->eval_depth_ > kMaxEvalDepth) {
        --r_->eval_depth_;
        throw RenderError{offset, "the template nests expressions and macro calls more than " +
                                      std::to_string(kMaxEvalDepth) + " deep",
                          true};
      }
    }
    ~Deeper() { --r_->eval_depth_; }
    Renderer* r_;
  };

  TemplateValue Eval(const TemplateExpr& e) {
    Deeper guard(this, e.offset);
    switch (e.op) {
      case Op::kLiteral:
        return e.literal;
      case Op::kName:
        return Name(e);
      case Op::kList:
        return Built(List(e), e.offset);
      case Op::kDict:
        return Built(Dict(e), e.offset);
      case Op::kAttr:
      case Op::kIndex:
        return Member(e);
      case Op::kSlice:
        return Built(Slice(e), e.offset);
      case Op::kCall:
        return Built(Call(e), e.offset);
      case Op::kMethod:
        return Built(Method(e), e.offset);
      case Op::kFilter:
        return Built(Filter(e), e.offset);
      case Op::kTest:
        return Test(e);
      case Op::kNot: {
        TemplateValue v = Eval(*e.args[0]);
        return v.is_unknown() ? v : TemplateValue::Bool(!v.Truthy());
      }
      case Op::kNegate:
        return Negate(e);
      case Op::kAnd:
      case Op::kOr: {
        TemplateValue a = Eval(*e.args[0]);
        if (a.is_unknown()) return a;
        bool take_a = e.op == Op::kAnd ? !a.Truthy() : a.Truthy();
        return take_a ? a : Eval(*e.args[1]);
      }
      case Op::kIfElse: {
        TemplateValue c = Eval(*e.args[1]);
        if (c.is_unknown()) return c;
        if (c.Truthy()) return Eval(*e.args[0]);
        return e.args[2] ? Eval(*e.args[2]) : TemplateValue::Undefined("");
      }
      case Op::kBinary:
        return Built(Binary(e), e.offset);
    }
    return TemplateValue();
  }

  TemplateValue Name(const TemplateExpr& e) {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      auto found = it->find(e.name);
      if (found != it->end()) return found->second;
    }
    return scope_.Lookup(e.name);
  }

  TemplateValue List(const TemplateExpr& e) {
    TemplateValue::List items;
    for (const auto& arg : e.args) {
      TemplateValue v = Eval(*arg);
      if (v.is_unknown()) return v;
      items.push_back(std::move(v));
    }
    return TemplateValue::FromList(std::move(items));
  }

  // A later key replaces an earlier one in place, as in a Python dict.
  TemplateValue Dict(const TemplateExpr& e) {
    TemplateValue::Map entries;
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      TemplateValue key = Eval(*e.args[i]);
      TemplateValue value = Eval(*e.args[i + 1]);
      if (key.is_unknown()) return key;
      if (value.is_unknown()) return value;
      if (key.kind() != Kind::kString) {
        throw RenderError{e.args[i]->offset, "occam's dictionary keys are strings, not " +
                                                 key.TypeName()};
      }
      auto same = [&](const auto& entry) { return entry.first == key.text(); };
      auto found = std::find_if(entries.begin(), entries.end(), same);
      if (found != entries.end()) {
        found->second = std::move(value);
      } else {
        entries.emplace_back(key.text(), std::move(value));
      }
    }
    return TemplateValue::FromMap(std::move(entries));
  }

  TemplateValue Member(const TemplateExpr& e) {
    TemplateValue base = Eval(*e.args[0]);
    if (base.is_unknown()) return base;
    if (base.is_undefined()) Undefined(*e.args[0], e.offset);
    std::optional<TemplateValue> found;
    if (e.op == Op::kAttr) {
      found = base.Member(e.name);
    } else {
      TemplateValue key = Eval(*e.args[1]);
      if (key.is_unknown()) return key;
      if (key.kind() == Kind::kInt && base.kind() != Kind::kMap) {
        found = base.Item(key.number());
      } else if (key.kind() == Kind::kString) {
        found = base.Member(key.text());
      }
    }
    if (found) return *found;
    return TemplateValue::Undefined(Written(e));
  }

  TemplateValue Slice(const TemplateExpr& e) {
    TemplateValue base = Eval(*e.args[0]);
    if (base.is_unknown()) return base;
    if (base.is_undefined()) Undefined(*e.args[0], e.offset);
    long long bounds[2] = {0, 0};
    std::optional<long long> length = base.Length();
    if (!length || base.kind() == Kind::kMap) {
      throw RenderError{e.offset, "cannot slice " + base.TypeName() +
                                      "; slices take strings and lists"};
    }
    for (int i = 0; i < 2; ++i) {
      const auto& arg = e.args[1 + i];
      bounds[i] = i == 0 ? 0 : *length;
      if (!arg) continue;
      TemplateValue b = Eval(*arg);
      if (b.is_unknown()) return b;
      if (b.kind() == Kind::kNone) continue;
      if (b.kind() != Kind::kInt) {
        throw RenderError{arg->offset, "a slice bound must be a whole number, not " +
                                           b.TypeName()};
      }
      long long v = b.number();
      if (v < 0) v = std::max(0LL, v + *length);
      bounds[i] = std::min(v, *length);
    }
    if (base.kind() == Kind::kString) {
      return TemplateValue::String(SliceText(base.text(), bounds[0], bounds[1]),
                                   base.sensitive());
    }
    Build(static_cast<size_t>(std::max(0LL, bounds[1] - bounds[0])) * kItemBytes, e.offset);
    TemplateValue::List items = *base.Iterate();
    TemplateValue::List picked;
    for (long long i = bounds[0]; i < bounds[1]; ++i) {
      picked.push_back(items[static_cast<size_t>(i)]);
    }
    return TemplateValue::FromList(std::move(picked)).MarkSensitive(base.sensitive());
  }

  // Evaluates e.args[first…]; false when one is unknown.
  bool Arguments(const TemplateExpr& e, size_t first,
                 std::vector<TemplateValue>* out) {
    for (size_t i = first; i < e.args.size(); ++i) {
      out->push_back(Eval(*e.args[i]));
      if (out->back().is_unknown()) return false;
    }
    return true;
  }

  TemplateValue Call(const TemplateExpr& e) {
    std::vector<TemplateValue> args;
    if (!Arguments(e, 0, &args)) return TemplateValue::Unknown();
    if (e.name == "caller" && !callers_.empty()) return Caller(e);
    if (auto m = macros_.find(e.name); m != macros_.end()) return Invoke(*m->second, args, e);
    if (!e.keywords.empty()) {
      throw RenderError{e.offset, e.name + "() takes no keyword arguments in occam"};
    }
    if (e.name == "range") return Range(args, e);
    std::string error, warning;
    TemplateValue v = scope_.Call(e.name, args, &error, &warning);
    if (!error.empty()) throw RenderError{e.offset, error};
    if (!warning.empty()) Warn(e.offset, warning);
    return v;
  }

  // {% call m(…) %}body{% endcall %}: m's output, where m's caller()
  // renders the body in the place of the call.
  void CallBlock(const TemplateNode& n) {
    callers_.push_back({&n, locals_});
    TemplateValue v;
    try {
      v = Eval(*n.expr);
    } catch (...) {
      callers_.pop_back();
      throw;
    }
    callers_.pop_back();
    if (v.is_unknown()) out_->known = false;
    out_->sensitive = out_->sensitive || v.sensitive();
    Emit(Text(v, n.offset), n.offset);
  }

  TemplateValue Caller(const TemplateExpr& e) {
    CallSite c = callers_.back();
    callers_.pop_back();  // a caller's body calls the caller above it
    std::vector<std::map<std::string, TemplateValue>> saved = std::move(locals_);
    locals_ = c.locals;
    TemplateValue v;
    try {
      v = Captured(c.block->body, e.offset);
    } catch (...) {
      locals_ = std::move(saved);
      callers_.push_back(std::move(c));
      throw;
    }
    locals_ = std::move(saved);
    callers_.push_back(std::move(c));
    return v;
  }

  // A macro call: its parameters bound by position, keyword or default
  // (Jinja: undefined when none), its body rendered to a string. The body
  // sees the template's top-level names and its parameters.
  TemplateValue Invoke(const TemplateNode& macro, const std::vector<TemplateValue>& args,
                       const TemplateExpr& e) {
    size_t params = macro.targets.size() - 1;
    const std::string& name = macro.targets[0];
    if (++macro_depth_ > kMaxMacroDepth) {
      throw RenderError{e.offset, "macros call each other more than " +
                                      std::to_string(kMaxMacroDepth) + " deep", true};
    }
    std::map<std::string, TemplateValue> frame;
    for (size_t i = 0; i < args.size(); ++i) {
      std::string keyword = e.keywords.empty() ? "" : e.keywords[i];
      size_t at = i;
      if (!keyword.empty()) {
        auto it = std::find(macro.targets.begin() + 1, macro.targets.end(), keyword);
        if (it == macro.targets.end()) {
          throw RenderError{e.offset, "macro '" + name + "' has no parameter '" + keyword + "'"};
        }
        at = static_cast<size_t>(it - macro.targets.begin()) - 1;
      } else if (i >= params) {
        throw RenderError{e.offset, "macro '" + name + "' takes " + std::to_string(params) +
                                        " argument" + (params == 1 ? "" : "s") + ", not " +
                                        std::to_string(args.size())};
      }
      frame[macro.targets[at + 1]] = args[i];
    }
    std::vector<std::map<std::string, TemplateValue>> saved = std::move(locals_);
    locals_ = {saved.front(), frame};
    for (size_t p = 0; p < params; ++p) {
      const std::string& param = macro.targets[p + 1];
      if (frame.count(param)) continue;
      locals_.back()[param] = macro.defaults[p] ? Eval(*macro.defaults[p])
                                                : TemplateValue::Undefined(param);
    }
    TemplateValue v;
    try {
      v = Captured(macro.body, e.offset);
    } catch (...) {
      locals_ = std::move(saved);
      --macro_depth_;
      throw;
    }
    locals_ = std::move(saved);
    --macro_depth_;
    return v;
  }

  // Renders `nodes` to a string value instead of the output.
  TemplateValue Captured(const std::vector<TemplateNode>& nodes, size_t offset) {
    RenderedText scratch;
    RenderedText* saved = out_;
    out_ = &scratch;
    try {
      RenderNodes(nodes);
    } catch (...) {
      out_ = saved;
      throw;
    }
    out_ = saved;
    (void)offset;
    if (!scratch.known) return TemplateValue::Unknown();
    return TemplateValue::String(std::move(scratch.text), scratch.sensitive);
  }

  // Jinja's global range(stop), range(start, stop[, step]); each item is a
  // step of the budget, so that range(10**9) stops at the step limit.
  TemplateValue Range(const std::vector<TemplateValue>& args, const TemplateExpr& e) {
    for (const TemplateValue& a : args) {
      if (a.kind() != Kind::kInt && a.kind() != Kind::kBool) {
        throw RenderError{e.offset, "range() takes whole numbers, not " + a.TypeName()};
      }
    }
    if (args.empty() || args.size() > 3) {
      throw RenderError{e.offset, "range() takes 1 to 3 arguments, not " +
                                      std::to_string(args.size())};
    }
    long long start = args.size() > 1 ? args[0].number() : 0;
    long long stop = args.size() > 1 ? args[1].number() : args[0].number();
    long long step = args.size() > 2 ? args[2].number() : 1;
    if (step == 0) throw RenderError{e.offset, "range() arg 3 must not be zero"};
    __int128 span = step > 0 ? static_cast<__int128>(stop) - start
                             : static_cast<__int128>(start) - stop;
    __int128 count = span <= 0 ? 0 : (span + (step > 0 ? step : -static_cast<__int128>(step)) - 1) /
                                          (step > 0 ? step : -static_cast<__int128>(step));
    if (count > static_cast<__int128>(kMaxRange)) count = kMaxRange + 1;
    Build(static_cast<size_t>(count) * kItemBytes, e.offset);
    TemplateValue::List items;
    for (long long i = start; step > 0 ? i < stop : i > stop;) {
      Step(e.offset);
      if (items.size() >= kMaxRange) {
        throw RenderError{e.offset, "range() makes at most " + std::to_string(kMaxRange) +
                                        " items in occam", true};
      }
      items.push_back(TemplateValue::Int(i));
      if (__builtin_add_overflow(i, step, &i)) break;
    }
    return TemplateValue::FromList(std::move(items));
  }

  TemplateValue Method(const TemplateExpr& e) {
    TemplateValue self = Eval(*e.args[0]);
    if (self.is_unknown()) return self;
    if (self.is_undefined()) Undefined(*e.args[0], e.offset);
    std::vector<TemplateValue> args;
    if (!Arguments(e, 1, &args)) return TemplateValue::Unknown();
    TemplateValue out;
    std::string error;
    if (!CallMethod(e.name, self, args, budget_.max_value_bytes(), &out, &error)) {
      throw RenderError{e.offset, error};
    }
    return out.MarkSensitive(self.sensitive());
  }

  TemplateValue Filter(const TemplateExpr& e) {
    TemplateValue input = Eval(*e.args[0]);
    if (input.is_unknown()) return input;
    std::vector<TemplateValue> args;
    if (!Arguments(e, 1, &args)) return TemplateValue::Unknown();
    if (!e.keywords.empty()) {
      std::vector<std::string> names(e.keywords.begin() + 1, e.keywords.end());
      std::string error;
      if (!PlaceKeywordArguments(e.name, names, &args, &error)) {
        throw RenderError{e.offset, error};
      }
    }
    TemplateValue out;
    std::string error;
    if (!ApplyFilter(e.name, input, args, budget_.max_value_bytes(), &out, &error)) {
      throw RenderError{e.offset, error, error.find("occam's limit") != std::string::npos};
    }
    return out;
  }

  TemplateValue Test(const TemplateExpr& e) {
    TemplateValue input = Eval(*e.args[0]);
    bool about_definition = e.name == "defined" || e.name == "undefined";
    if (input.is_unknown() && !about_definition) return input;
    std::vector<TemplateValue> args;
    if (!Arguments(e, 1, &args)) return TemplateValue::Unknown();
    bool result = false;
    std::string error;
    if (!ApplyTest(e.name, input, args, &result, &error)) {
      throw RenderError{e.offset, error};
    }
    return TemplateValue::Bool(result != e.negated);
  }

  TemplateValue Negate(const TemplateExpr& e) {
    TemplateValue v = Eval(*e.args[0]);
    if (v.is_unknown()) return v;
    if (v.kind() == Kind::kFloat) return TemplateValue::Float(-v.real());
    if ((v.kind() != Kind::kInt && v.kind() != Kind::kBool) ||
        v.number() == LLONG_MIN) {
      throw RenderError{e.offset, "cannot negate " + v.TypeName()};
    }
    return TemplateValue::Int(-v.number());
  }

  TemplateValue Binary(const TemplateExpr& e) {
    TemplateValue a = Eval(*e.args[0]);
    TemplateValue b = Eval(*e.args[1]);
    if (a.is_unknown()) return a;
    if (b.is_unknown()) return b;
    bool secret = a.sensitive() || b.sensitive();
    const std::string& op = e.name;
    if (op == "~") {
      std::string left = Text(a, e.offset), right = Text(b, e.offset);
      Build(left.size() + right.size(), e.offset);
      return TemplateValue::String(left + right, secret);
    }
    if (op == "==" || op == "!=" || op == "in") {
      // Comparing reads both sides.
      Work(ValueBytes(a, budget_.work_left()) + ValueBytes(b, budget_.work_left()), e.offset);
    }
    if (op == "==" || op == "!=") {
      return TemplateValue::Bool(a.Equals(b) == (op == "=="));
    }
    if (op == "in") return TemplateValue::Bool(Contains(b, a, e) != e.negated);
    for (const auto* v : {&a, &b}) {
      if (!v->is_undefined()) continue;
      std::string hint;
      if (op == "-" && e.args[0]->op == Op::kName && e.args[1]->op == Op::kName) {
        hint = "; a name with '-' must be quoted: '" + e.args[0]->name + "-" +
               e.args[1]->name + "'";
      }
      throw RenderError{e.offset, "'" + Written(v == &a ? *e.args[0] : *e.args[1]) +
                                      "' is undefined and cannot be used with " +
                                      op + hint};
    }
    bool ints = (a.kind() == Kind::kInt || a.kind() == Kind::kBool) &&
                (b.kind() == Kind::kInt || b.kind() == Kind::kBool);
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      return TemplateValue::Bool(Compare(a, b, ints, e));
    }
    if (op == "/" && a.is_number() && b.is_number()) {
      if (b.real() == 0) throw RenderError{e.offset, "division by zero"};
      return TemplateValue::Float(a.real() / b.real()).MarkSensitive(secret);
    }
    if (ints) return Arithmetic(a.number(), b.number(), e).MarkSensitive(secret);
    if (a.is_number() && b.is_number()) return FloatArithmetic(a.real(), b.real(), e);
    if (op == "+" && a.kind() == Kind::kString && b.kind() == Kind::kString) {
      Build(a.text().size() + b.text().size(), e.offset);
      return TemplateValue::String(a.text() + b.text(), secret);
    }
    if (op == "+" && a.kind() == Kind::kList && b.kind() == Kind::kList) {
      Build(static_cast<size_t>(*a.Length() + *b.Length()) * kItemBytes, e.offset);
      TemplateValue::List items = *a.Iterate();
      TemplateValue::List more = *b.Iterate();
      for (TemplateValue& v : more) items.push_back(std::move(v));
      return TemplateValue::FromList(std::move(items)).MarkSensitive(secret);
    }
    throw RenderError{e.offset, "unsupported operand types for " + op + ": " +
                                    a.TypeName() + " and " + b.TypeName() +
                                    (op == "+" ? "; join strings with '~'" : "")};
  }

  bool Contains(const TemplateValue& container, const TemplateValue& item,
                const TemplateExpr& e) {
    if (container.is_undefined()) return false;
    if (container.kind() == Kind::kString) {
      if (item.kind() != Kind::kString) {
        throw RenderError{e.offset, "'in <string>' needs a string on the left, not " +
                                        item.TypeName()};
      }
      return container.text().find(item.text()) != std::string::npos;
    }
    if (container.kind() == Kind::kMap) {
      return item.kind() == Kind::kString && container.Member(item.text());
    }
    std::optional<TemplateValue::List> items = container.Iterate();
    if (!items) {
      throw RenderError{e.offset, "'in' needs a list, a mapping or a string on "
                                  "the right, not " + container.TypeName()};
    }
    for (const TemplateValue& v : *items) {
      if (v.Equals(item)) return true;
    }
    return false;
  }

  bool Compare(const TemplateValue& a, const TemplateValue& b, bool ints,
               const TemplateExpr& e) {
    int c;
    if (ints) {
      c = a.number() < b.number() ? -1 : a.number() > b.number();
    } else if (a.is_number() && b.is_number()) {
      c = a.real() < b.real() ? -1 : a.real() > b.real();
    } else if (a.kind() == Kind::kString && b.kind() == Kind::kString) {
      Work(std::min(a.text().size(), b.text().size()), e.offset);
      c = a.text().compare(b.text());
    } else {
      throw RenderError{e.offset, "cannot compare " + a.TypeName() + " with " +
                                      b.TypeName() + " using " + e.name};
    }
    const std::string& op = e.name;
    return op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0;
  }

  // Python's float + - * // %: the sign of % follows the divisor.
  TemplateValue FloatArithmetic(double a, double b, const TemplateExpr& e) {
    const std::string& op = e.name;
    if (op == "+") return TemplateValue::Float(a + b);
    if (op == "-") return TemplateValue::Float(a - b);
    if (op == "*") return TemplateValue::Float(a * b);
    if (b == 0) throw RenderError{e.offset, "division by zero"};
    double q = std::floor(a / b);
    if (op == "//") return TemplateValue::Float(q);
    double r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return TemplateValue::Float(r);
  }

  TemplateValue Arithmetic(long long a, long long b, const TemplateExpr& e) {
    long long r = 0;
    const std::string& op = e.name;
    bool overflow = false;
    if (op == "+") overflow = __builtin_add_overflow(a, b, &r);
    if (op == "-") overflow = __builtin_sub_overflow(a, b, &r);
    if (op == "*") overflow = __builtin_mul_overflow(a, b, &r);
    if (op == "//" || op == "%") {
      if (b == 0) throw RenderError{e.offset, "division by zero"};
      if (a == LLONG_MIN && b == -1) overflow = true;
      else r = op == "//" ? FloorDiv(a, b) : a - FloorDiv(a, b) * b;
    }
    if (overflow) throw RenderError{e.offset, "the number is too large"};
    return TemplateValue::Int(r);
  }

  static constexpr size_t kMaxRange = 1'000'000;
  static constexpr int kMaxMacroDepth = 64;
  static constexpr int kMaxEvalDepth = 512;
  static constexpr int kMaxValueDepth = 64;

  struct CallSite {
    const TemplateNode* block;  // the {% call %}
    std::vector<std::map<std::string, TemplateValue>> locals;  // where it stands
  };
  std::map<std::string, const TemplateNode*> macros_;
  std::vector<CallSite> callers_;
  int macro_depth_ = 0;

  const TemplateScope& scope_;
  const TemplateLimits& limits_;
  TemplateBudget budget_;
  int eval_depth_ = 0;
  std::vector<TemplateProblem>* warnings_;
  std::set<size_t> warned_;
  std::vector<std::map<std::string, TemplateValue>> locals_;
  RenderedText* out_ = nullptr;
  long long steps_ = 0;
};

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
                    RenderedText* out, TemplateProblem* error,
                    std::vector<TemplateProblem>* warnings,
                    const TemplateLimits& limits) {
  *out = RenderedText();
  ParsedTemplate parsed;
  if (!ParseTemplate(text, &parsed, &error->message, &error->offset)) {
    return false;
  }
  Renderer renderer(scope, limits, warnings);
  try {
    renderer.Render(parsed.nodes, out);
  } catch (const RenderError& e) {
    *error = {e.offset, e.message, e.over_limit};
    return false;
  }
  return true;
}

std::string TemplatePosition(std::string_view text, size_t offset) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace occam
