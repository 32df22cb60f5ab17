// A value inside a template, as Jinja2 sees the Python data Occopus gives
// it: None, booleans, integers, strings, lists and mappings — plus the two
// states a planner needs that Python has no word for: undefined (Jinja's
// Undefined) and unknown (known only after apply, such as an address not yet
// assigned).
//
// Lists and mappings read from the descriptor stay YAML until a template
// looks inside them, so that a template naming `variables` does not copy
// every variable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/value.h"

namespace occam {

class TemplateValue {
 public:
  enum class Kind { kUndefined, kUnknown, kNone, kBool, kInt, kFloat, kString, kList, kMap };
  using List = std::vector<TemplateValue>;
  using Map = std::vector<std::pair<std::string, TemplateValue>>;

  TemplateValue() = default;  // undefined, with no name
  static TemplateValue Undefined(std::string name);
  static TemplateValue Unknown();
  static TemplateValue None();
  static TemplateValue Bool(bool b);
  static TemplateValue Int(long long n);
  static TemplateValue Float(double d);
  static TemplateValue String(std::string s, bool sensitive = false);
  static TemplateValue FromList(List items);
  static TemplateValue FromMap(Map entries);
  // Typed as Occopus's ruamel.yaml Loader types it (YAML 1.2: `yes` is a
  // string, `0777` is 777, `1e3` the float 1000.0); a sequence or mapping
  // is read when used.
  // `yaml` must outlive the value.
  static TemplateValue FromYaml(const Value& yaml);

  Kind kind() const;
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_unknown() const { return kind() == Kind::kUnknown; }
  // Undefined: the name that was not found ("variables.x").
  const std::string& text() const;
  long long number() const { return number_; }
  // Of a float, or an int or bool as a float.
  double real() const { return kind_ == Kind::kFloat ? real_ : static_cast<double>(number_); }
  // An int, bool or float.
  bool is_number() const {
    return kind_ == Kind::kInt || kind_ == Kind::kBool || kind_ == Kind::kFloat;
  }
  bool sensitive() const { return sensitive_; }
  TemplateValue& MarkSensitive(bool on = true) {
    sensitive_ = sensitive_ || on;
    return *this;
  }

  // Items of a list; keys (as strings) of a mapping; characters of a string.
  std::optional<List> Iterate() const;
  // A mapping's value for `key`; nullopt when absent or not a mapping.
  std::optional<TemplateValue> Member(const std::string& key) const;
  // A list's (or string's) item; negative indexes count from the end.
  std::optional<TemplateValue> Item(long long index) const;
  // Entries of a mapping, in written order.
  std::optional<Map> Entries() const;
  // Number of items, entries or characters; nullopt for other kinds.
  std::optional<long long> Length() const;
  // How deeply lists and mappings nest in it: 0 for a scalar, 1 for a list
  // of scalars (a YAML list or mapping counts 1 until it is read).
  int depth() const { return depth_; }

  // Python's truth value; undefined is false.
  bool Truthy() const;
  // What Jinja prints: str() of the Python value ("" for undefined, "None",
  // "True", "['a', 'b']", "{'k': 1}").
  std::string Str() const;
  // Python's repr(): strings quoted.
  std::string Repr() const;
  // Python's name of the type, for messages that must not show the value
  // (it may be a secret): "str", "int", "list", "dict", "NoneType" …
  std::string TypeName() const;
  // Python's ==.
  bool Equals(const TemplateValue& other) const;

 private:
  // Replaces a lazily read YAML list or mapping with its contents.
  const TemplateValue& Resolved() const;

  Kind kind_ = Kind::kUndefined;
  int depth_ = 0;
  // Shared, so that copying a value (a lookup, a loop variable) never
  // copies its text.
  std::shared_ptr<const std::string> text_;
  long long number_ = 0;
  double real_ = 0;
  std::shared_ptr<const List> list_;
  std::shared_ptr<const Map> map_;
  const Value* yaml_ = nullptr;  // an unread YAML list or mapping
  mutable std::shared_ptr<const TemplateValue> resolved_;
  bool sensitive_ = false;
};

}  // namespace occam
