#include "template/template_value.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/sensitive.h"
#include "template/yaml_types.h"

namespace occam {
namespace {

// Python's repr of a str: single quotes unless the text holds a single
// quote and no double quote.
std::string PythonRepr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

// Bytes of the UTF-8 sequence that starts with `c`.
size_t SequenceLength(unsigned char c) {
  return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

}  // namespace

const std::string& TemplateValue::text() const {
  static const std::string* const kEmpty = new std::string();
  return text_ ? *text_ : *kEmpty;
}

TemplateValue TemplateValue::Undefined(std::string name) {
  TemplateValue v;
  v.text_ = std::make_shared<const std::string>(std::move(name));
  return v;
}

TemplateValue TemplateValue::Unknown() {
  TemplateValue v;
  v.kind_ = Kind::kUnknown;
  return v;
}

TemplateValue TemplateValue::None() {
  TemplateValue v;
  v.kind_ = Kind::kNone;
  return v;
}

TemplateValue TemplateValue::Bool(bool b) {
  TemplateValue v;
  v.kind_ = Kind::kBool;
  v.number_ = b ? 1 : 0;
  return v;
}

TemplateValue TemplateValue::Int(long long n) {
  TemplateValue v;
  v.kind_ = Kind::kInt;
  v.number_ = n;
  return v;
}

TemplateValue TemplateValue::Float(double d) {
  TemplateValue v;
  v.kind_ = Kind::kFloat;
  v.real_ = d;
  return v;
}

TemplateValue TemplateValue::String(std::string s, bool sensitive) {
  TemplateValue v;
  v.kind_ = Kind::kString;
  v.text_ = std::make_shared<const std::string>(std::move(s));
  v.sensitive_ = sensitive;
  return v;
}

TemplateValue TemplateValue::FromList(List items) {
  TemplateValue v;
  v.kind_ = Kind::kList;
  for (const TemplateValue& item : items) v.depth_ = std::max(v.depth_, item.depth_ + 1);
  if (items.empty()) v.depth_ = 1;
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}

TemplateValue TemplateValue::FromMap(Map entries) {
  TemplateValue v;
  v.kind_ = Kind::kMap;
  v.depth_ = 1;
  for (const auto& entry : entries) v.depth_ = std::max(v.depth_, entry.second.depth_ + 1);
  v.map_ = std::make_shared<const Map>(std::move(entries));
  return v;
}

TemplateValue TemplateValue::FromYaml(const Value& yaml) {
  switch (yaml.kind()) {
    case Value::Kind::kNull:
      return None();
    case Value::Kind::kSequence:
    case Value::Kind::kMapping: {
      TemplateValue v;
      v.kind_ = yaml.is_sequence() ? Kind::kList : Kind::kMap;
      v.depth_ = 1;
      v.yaml_ = &yaml;
      return v;
    }
    case Value::Kind::kScalar:
      break;
  }
  if (yaml.quoted() || yaml.tag() == "!!str") return String(yaml.text());
  std::string type = ResolvedYamlType(yaml.text());
  if (type == "bool") return Bool(yaml.text()[0] == 't' || yaml.text()[0] == 'T');
  if (type == "null") return None();
  if (type == "float") return Float(std::strtod(YamlFloatText(yaml.text()).c_str(), nullptr));
  if (type == "int") {
    std::string digits = YamlIntText(yaml.text());
    errno = 0;
    long long n = std::strtoll(digits.c_str(), nullptr, 10);
    return errno == ERANGE ? String(digits) : Int(n);
  }
  if (type == "timestamp") return String(YamlTimestampText(yaml.text()));
  return String(yaml.text());
}

TemplateValue::Kind TemplateValue::kind() const { return kind_; }

const TemplateValue& TemplateValue::Resolved() const {
  if (!yaml_) return *this;
  if (!resolved_) {
    TemplateValue out;
    if (yaml_->is_sequence()) {
      List items;
      for (const Value& item : yaml_->items()) {
        items.push_back(FromYaml(item).MarkSensitive(sensitive_));
      }
      out = FromList(std::move(items));
    } else {
      Map entries;
      for (const Value::Entry& e : yaml_->entries()) {
        entries.emplace_back(e.key, FromYaml(e.value).MarkSensitive(
                                        sensitive_ || IsSensitiveName(e.key)));
      }
      out = FromMap(std::move(entries));
    }
    out.sensitive_ = sensitive_;
    resolved_ = std::make_shared<const TemplateValue>(std::move(out));
  }
  return *resolved_;
}

std::optional<TemplateValue::List> TemplateValue::Iterate() const {
  const TemplateValue& v = Resolved();
  switch (v.kind_) {
    case Kind::kList:
      return *v.list_;
    case Kind::kMap: {
      List keys;
      for (const auto& [key, value] : *v.map_) keys.push_back(String(key));
      return keys;
    }
    case Kind::kString: {
      // Python iterates code points; occam's strings are UTF-8.
      List chars;
      const std::string& text = v.text();
      for (size_t i = 0; i < text.size();) {
        size_t n = SequenceLength(static_cast<unsigned char>(text[i]));
        chars.push_back(String(text.substr(i, n), sensitive_));
        i += n;
      }
      return chars;
    }
    default:
      return std::nullopt;
  }
}

std::optional<TemplateValue> TemplateValue::Member(const std::string& key) const {
  if (yaml_ && yaml_->is_mapping()) {
    const Value* child = yaml_->Find(key);
    if (!child) return std::nullopt;
    return FromYaml(*child).MarkSensitive(sensitive_ || IsSensitiveName(key));
  }
  const TemplateValue& v = Resolved();
  if (v.kind_ != Kind::kMap) return std::nullopt;
  for (const auto& [k, value] : *v.map_) {
    if (k == key) {
      TemplateValue out = value;
      return out.MarkSensitive(sensitive_);
    }
  }
  return std::nullopt;
}

std::optional<TemplateValue> TemplateValue::Item(long long index) const {
  std::optional<long long> length = Length();
  if (!length || kind_ == Kind::kMap) return std::nullopt;
  if (index < 0) index += *length;
  if (index < 0 || index >= *length) return std::nullopt;
  if (yaml_) {
    return FromYaml(yaml_->items()[static_cast<size_t>(index)])
        .MarkSensitive(sensitive_);
  }
  if (kind_ == Kind::kString) {
    const std::string& text = this->text();
    size_t at = 0;
    for (long long i = 0; i < index; ++i) {
      at += SequenceLength(static_cast<unsigned char>(text[at]));
    }
    size_t n = SequenceLength(static_cast<unsigned char>(text[at]));
    return String(text.substr(at, n), sensitive_);
  }
  TemplateValue out = (*list_)[static_cast<size_t>(index)];
  return out.MarkSensitive(sensitive_);
}

std::optional<TemplateValue::Map> TemplateValue::Entries() const {
  const TemplateValue& v = Resolved();
  if (v.kind_ != Kind::kMap) return std::nullopt;
  return *v.map_;
}

std::optional<long long> TemplateValue::Length() const {
  if (yaml_) {
    return static_cast<long long>(yaml_->is_sequence() ? yaml_->items().size()
                                                       : yaml_->entries().size());
  }
  switch (kind_) {
    case Kind::kList:
      return static_cast<long long>(list_->size());
    case Kind::kMap:
      return static_cast<long long>(map_->size());
    case Kind::kString: {
      const std::string& text = this->text();
      long long n = 0;
      for (size_t i = 0; i < text.size(); ++n) {
        i += SequenceLength(static_cast<unsigned char>(text[i]));
      }
      return n;
    }
    default:
      return std::nullopt;
  }
}

bool TemplateValue::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kUnknown:
      return true;
    case Kind::kBool:
    case Kind::kInt:
      return number_ != 0;
    case Kind::kFloat:
      return real_ != 0;
    case Kind::kString:
      return !text().empty();
    case Kind::kList:
    case Kind::kMap:
      return *Length() > 0;
  }
  return false;
}

std::string TemplateValue::Str() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kUnknown:
      return "";
    case Kind::kString:
      return text();
    default:
      return Repr();
  }
}

std::string TemplateValue::Repr() const {
  const TemplateValue& v = Resolved();
  switch (v.kind_) {
    case Kind::kUndefined:
    case Kind::kUnknown:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return v.number_ ? "True" : "False";
    case Kind::kInt:
      return std::to_string(v.number_);
    case Kind::kFloat: {
      // Python prints inf and nan without YAML's dot.
      std::string r = PythonFloatRepr(v.real_);
      return r == ".inf" ? "inf" : r == "-.inf" ? "-inf" : r == ".nan" ? "nan" : r;
    }
    case Kind::kString:
      return PythonRepr(v.text());
    case Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < v.list_->size(); ++i) {
        out += (i ? ", " : "") + (*v.list_)[i].Repr();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : *v.map_) {
        out += (first ? "" : ", ") + PythonRepr(key) + ": " + value.Repr();
        first = false;
      }
      return out + "}";
    }
  }
  return "";
}

std::string TemplateValue::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kUnknown: return "a value known after apply";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return "list";
    case Kind::kMap: return "dict";
  }
  return "";
}

bool TemplateValue::Equals(const TemplateValue& other) const {
  const TemplateValue& a = Resolved();
  const TemplateValue& b = other.Resolved();
  auto numeric = [](Kind k) { return k == Kind::kInt || k == Kind::kBool; };
  if (numeric(a.kind_) && numeric(b.kind_)) return a.number_ == b.number_;
  if (a.is_number() && b.is_number()) return a.real() == b.real();
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.text_ == b.text_ || a.text() == b.text();
    case Kind::kList: {
      if (a.list_->size() != b.list_->size()) return false;
      for (size_t i = 0; i < a.list_->size(); ++i) {
        if (!(*a.list_)[i].Equals((*b.list_)[i])) return false;
      }
      return true;
    }
    case Kind::kMap:
      return a.Repr() == b.Repr();
    default:
      return false;
  }
}

}  // namespace occam
