#include "template/template_json.h"

#include <algorithm>
#include <cstdio>

#include "template/yaml_types.h"

namespace occam {
namespace {

void AppendEscape(unsigned code, std::string* out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", code & 0xFFFFu);
  *out += buf;
}

// json.dumps's ensure_ascii: everything past ASCII as \uXXXX (UTF-16
// surrogate pairs beyond the first plane).
void AppendString(const std::string& s, std::string* out) {
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        case '\b': *out += "\\b"; break;
        case '\f': *out += "\\f"; break;
        case '<': AppendEscape(0x3c, out); break;
        case '>': AppendEscape(0x3e, out); break;
        case '&': AppendEscape(0x26, out); break;
        case '\'': AppendEscape(0x27, out); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            if (c == 0x7f) *out += static_cast<char>(c);
            else AppendEscape(c, out);
          } else {
            *out += static_cast<char>(c);
          }
      }
      continue;
    }
    int n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < n && i + static_cast<size_t>(k) < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3F);
    }
    i += static_cast<size_t>(n);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendEscape(0xD800 + (cp >> 10), out);
      AppendEscape(0xDC00 + (cp & 0x3FF), out);
    } else {
      AppendEscape(cp, out);
    }
  }
  *out += '"';
}

void Append(const TemplateValue& v, int indent, int level, std::string* out);

void Newline(int indent, int level, std::string* out) {
  *out += '\n';
  out->append(static_cast<size_t>(indent * level), ' ');
}

void AppendItems(const std::vector<std::pair<std::string, const TemplateValue*>>& items,
                 bool keyed, int indent, int level, std::string* out) {
  *out += keyed ? '{' : '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += indent < 0 ? ", " : ",";
    if (indent >= 0) Newline(indent, level + 1, out);
    if (keyed) {
      AppendString(items[i].first, out);
      *out += ": ";
    }
    Append(*items[i].second, indent, level + 1, out);
  }
  if (indent >= 0 && !items.empty()) Newline(indent, level, out);
  *out += keyed ? '}' : ']';
}

void Append(const TemplateValue& v, int indent, int level, std::string* out) {
  using Kind = TemplateValue::Kind;
  switch (v.kind()) {
    case Kind::kNone:
    case Kind::kUndefined:
    case Kind::kUnknown:
      *out += "null";
      return;
    case Kind::kBool:
      *out += v.number() ? "true" : "false";
      return;
    case Kind::kInt:
      *out += std::to_string(v.number());
      return;
    case Kind::kFloat: {
      std::string r = PythonFloatRepr(v.real());
      *out += r == ".inf" ? "Infinity" : r == "-.inf" ? "-Infinity" : r == ".nan" ? "NaN" : r;
      return;
    }
    case Kind::kString:
      AppendString(v.text(), out);
      return;
    case Kind::kList: {
      TemplateValue::List list = *v.Iterate();
      std::vector<std::pair<std::string, const TemplateValue*>> items;
      for (const TemplateValue& item : list) items.emplace_back("", &item);
      AppendItems(items, false, indent, level, out);
      return;
    }
    case Kind::kMap: {
      TemplateValue::Map map = *v.Entries();
      std::vector<std::pair<std::string, const TemplateValue*>> items;
      for (const auto& [key, value] : map) items.emplace_back(key, &value);
      std::stable_sort(items.begin(), items.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      AppendItems(items, true, indent, level, out);
      return;
    }
  }
}

}  // namespace

std::string TemplateJson(const TemplateValue& value, int indent) {
  std::string out;
  Append(value, indent, 0, &out);
  return out;
}

}  // namespace occam
