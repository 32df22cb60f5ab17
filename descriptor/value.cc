#include "descriptor/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace occam {

Value Value::Null(SourceMark mark) {
  Value v;
  v.mark_ = std::move(mark);
  return v;
}

Value Value::Scalar(std::string text, bool quoted, SourceMark mark) {
  Value v;
  v.kind_ = Kind::kScalar;
  v.text_ = std::move(text);
  v.quoted_ = quoted;
  v.mark_ = std::move(mark);
  return v;
}

Value Value::Sequence(SourceMark mark) {
  Value v;
  v.kind_ = Kind::kSequence;
  v.mark_ = std::move(mark);
  return v;
}

Value Value::Mapping(SourceMark mark) {
  Value v;
  v.kind_ = Kind::kMapping;
  v.mark_ = std::move(mark);
  return v;
}

std::optional<bool> Value::AsBool() const {
  if (kind_ != Kind::kScalar || quoted_) return std::nullopt;
  // YAML 1.1 booleans, as PyYAML reads them.
  static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
  static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No",
                                       "NO",    "off",   "Off",   "OFF"};
  for (const char* t : kTrue) {
    if (text_ == t) return true;
  }
  for (const char* f : kFalse) {
    if (text_ == f) return false;
  }
  return std::nullopt;
}

std::optional<long long> Value::AsInt() const {
  if (kind_ != Kind::kScalar || quoted_ || text_.empty()) return std::nullopt;
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  if (*begin == '+') ++begin;
  long long out = 0;
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}

std::optional<double> Value::AsNumber() const {
  if (auto i = AsInt()) return static_cast<double>(*i);
  if (kind_ != Kind::kScalar || quoted_ || text_.empty()) return std::nullopt;
  char* end = nullptr;
  double out = std::strtod(text_.c_str(), &end);
  if (end != text_.c_str() + text_.size() || !std::isfinite(out)) {
    return std::nullopt;
  }
  return out;
}

const Value::Entry* Value::FindEntry(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Value* Value::Find(std::string_view key) const {
  const Entry* e = FindEntry(key);
  return e ? &e->value : nullptr;
}

void Value::Set(std::string key, SourceMark key_mark, Value value) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.value = std::move(value);
      return;
    }
  }
  entries_.push_back({std::move(key), std::move(key_mark), std::move(value)});
}

size_t Value::NodeCount() const {
  size_t n = 1;
  for (const Value& item : items_) n += item.NodeCount();
  for (const Entry& e : entries_) n += e.value.NodeCount();
  return n;
}

size_t Value::TextBytes() const {
  size_t n = text_.size();
  for (const Value& item : items_) n += item.TextBytes();
  for (const Entry& e : entries_) n += e.key.size() + e.value.TextBytes();
  return n;
}

bool Value::SameContent(const Value& other) const {
  if (kind_ != other.kind_ || text_ != other.text_ ||
      items_.size() != other.items_.size() ||
      entries_.size() != other.entries_.size()) {
    return false;
  }
  for (size_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].SameContent(other.items_[i])) return false;
  }
  for (const Entry& e : entries_) {
    const Value* theirs = other.Find(e.key);
    if (!theirs || !e.value.SameContent(*theirs)) return false;
  }
  return true;
}

std::string Value::KindName() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kScalar:
      return "a scalar '" + text_.substr(0, 40) + "'";
    case Kind::kSequence:
      return "a list";
    case Kind::kMapping:
      return "a mapping";
  }
  return "?";
}

Value DeepMerge(const Value& base, const Value& overlay) {
  if (overlay.is_null()) return base;
  if (!base.is_mapping() || !overlay.is_mapping()) return overlay;
  Value merged = base;
  for (const Value::Entry& e : overlay.entries()) {
    const Value* mine = merged.Find(e.key);
    Value value = mine ? DeepMerge(*mine, e.value) : e.value;
    merged.Set(e.key, e.key_mark, std::move(value));
  }
  return merged;
}

}  // namespace occam
