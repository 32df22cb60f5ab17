#include "base/utf8.h"
#include "base/value.h"

#include <charconv>
#include <climits>
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

namespace {

// Digits of `text` (underscores left out) in `base`; nullopt when one is
// not a digit of that base, when there are none, or on overflow.
std::optional<long long> Digits(std::string_view text, int base) {
  long long out = 0;
  bool any = false;
  for (char c : text) {
    if (c == '_') continue;
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    if (d >= base || out > (LLONG_MAX - d) / base) return std::nullopt;
    out = out * base + d;
    any = true;
  }
  return any ? std::optional<long long>(out) : std::nullopt;
}

// "1:30:05" as PyYAML reads it: base 60, the first part 1-9 leading.
std::optional<long long> Sexagesimal(std::string_view text) {
  long long out = 0;
  bool first = true;
  while (!text.empty()) {
    size_t colon = text.find(':');
    std::string_view part = text.substr(0, colon);
    std::optional<long long> v = Digits(part, 10);
    bool ok = v && (first ? part[0] != '0' || part == "0"
                          : part.size() <= 2 && *v < 60 &&
                                part.find('_') == std::string_view::npos);
    if (!ok || out > LLONG_MAX / 60 - *v) return std::nullopt;
    out = first ? *v : out * 60 + *v;
    first = false;
    text = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  }
  return out;
}

}  // namespace

// YAML 1.1 integers, as PyYAML (and so Occopus) reads them: 0b binary, 0x
// hexadecimal, a leading 0 octal (010 is 8), '_' between digits, 1:30
// base 60.
std::optional<long long> Value::AsInt() const {
  if (kind_ != Kind::kScalar || quoted_ || text_.empty()) return std::nullopt;
  std::string_view t = text_;
  bool negative = t[0] == '-';
  if (t[0] == '+' || t[0] == '-') t.remove_prefix(1);
  if (t.empty() || t[0] == '_') return std::nullopt;
  std::optional<long long> v;
  if (t.find(':') != std::string_view::npos) {
    v = t[0] == '0' ? std::nullopt : Sexagesimal(t);
  } else if (t.size() > 2 && t[0] == '0' && t[1] == 'b') {
    v = Digits(t.substr(2), 2);
  } else if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {
    v = Digits(t.substr(2), 16);
  } else if (t[0] == '0' && t.size() > 1) {
    v = Digits(t.substr(1), 8);
  } else {
    v = Digits(t, 10);
  }
  if (!v) return std::nullopt;
  return negative ? -*v : *v;
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
      return "a scalar '" + Excerpt(text_, 40) + "'";
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
