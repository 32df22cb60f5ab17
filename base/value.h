// Value is a YAML document as occam reads it: null, scalars, sequences and
// mappings, each remembering where it was written. Aliases are expanded and
// imports resolved before a Value reaches the compiler, so a Value is a plain
// tree that owns its children.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"

namespace occam {

class Value {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  struct Entry;

  Value() = default;
  // Defined below, where Entry is complete (a vector of an incomplete type
  // is only allowed until its members are used).
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;
  ~Value();
  static Value Null(SourceMark mark);
  // `quoted`: written in quotes (or tagged !!str), so never read as a
  // number, boolean or null.
  static Value Scalar(std::string text, bool quoted, SourceMark mark);
  static Value Sequence(SourceMark mark);
  static Value Mapping(SourceMark mark);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }
  bool is_mapping() const { return kind_ == Kind::kMapping; }
  const SourceMark& mark() const { return mark_; }
  // An explicit local tag such as "!yaml_import"; "" when there is none.
  const std::string& tag() const { return tag_; }
  void set_tag(std::string tag) { tag_ = std::move(tag); }
  void set_mark(SourceMark mark) { mark_ = std::move(mark); }

  // Scalars. Plain scalars are typed as PyYAML (and so Occopus) types them.
  const std::string& text() const { return text_; }
  bool quoted() const { return quoted_; }
  std::optional<bool> AsBool() const;
  std::optional<long long> AsInt() const;
  std::optional<double> AsNumber() const;

  // Sequences.
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& mutable_items() { return items_; }
  void Append(Value item) { items_.push_back(std::move(item)); }

  // Mappings keep their keys in written order.
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& mutable_entries() { return entries_; }
  const Value* Find(std::string_view key) const;
  const Entry* FindEntry(std::string_view key) const;
  // Replaces the value of `key`, or appends the entry.
  void Set(std::string key, SourceMark key_mark, Value value);

  // Visits every node depth-first; stops early when `fn` returns false.
  template <typename Fn>
  bool Walk(Fn&& fn);

  // Number of nodes in this tree, this one included.
  size_t NodeCount() const;
  // Bytes of the scalar texts and keys in this subtree.
  size_t TextBytes() const;
  // Deep equality of content; positions and tags are ignored, and scalars
  // compare by text.
  bool SameContent(const Value& other) const;
  // "a string", "a list", "a mapping", "null": for messages.
  std::string KindName() const;

 private:
  Kind kind_ = Kind::kNull;
  bool quoted_ = false;
  SourceMark mark_;
  std::string tag_;
  std::string text_;
  std::vector<Value> items_;
  std::vector<Entry> entries_;
};

struct Value::Entry {
  std::string key;
  SourceMark key_mark;
  Value value;
  bool key_quoted = false;  // written in quotes: a string, whatever it reads as
};

inline Value::Value(const Value&) = default;
inline Value::Value(Value&&) noexcept = default;
inline Value& Value::operator=(const Value&) = default;
inline Value& Value::operator=(Value&&) noexcept = default;
inline Value::~Value() = default;

// Mappings merge key by key, recursively; anything else in `overlay`
// replaces `base`, except that a null overlay (nothing written) keeps it. This is how node variables override infra variables.
Value DeepMerge(const Value& base, const Value& overlay);

template <typename Fn>
bool Value::Walk(Fn&& fn) {
  if (!fn(*this)) return false;
  for (Value& item : items_) {
    if (!item.Walk(fn)) return false;
  }
  for (Entry& entry : entries_) {
    if (!entry.value.Walk(fn)) return false;
  }
  return true;
}

}  // namespace occam
