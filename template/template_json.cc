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

struct Json {
  long long indent;
  size_t max_bytes;
  std::string out;
  bool over = false;
};

void Append(const TemplateValue& v, int level, Json* json);

void Newline(int level, Json* json) {
  size_t width = static_cast<size_t>(json->indent) * static_cast<size_t>(level);
  if (width > json->max_bytes || json->out.size() + width > json->max_bytes) {
    json->over = true;
    return;
  }
  json->out += '\n';
  json->out.append(width, ' ');
}

void AppendItems(const std::vector<std::pair<std::string, const TemplateValue*>>& items,
                 bool keyed, int level, Json* json) {
  std::string* out = &json->out;
  *out += keyed ? '{' : '[';
  for (size_t i = 0; i < items.size() && !json->over; ++i) {
    if (i) *out += json->indent < 0 ? ", " : ",";
    if (json->indent >= 0) Newline(level + 1, json);
    if (keyed) {
      AppendString(items[i].first, out);
      *out += ": ";
    }
    Append(*items[i].second, level + 1, json);
    json->over = json->over || out->size() > json->max_bytes;
  }
  if (json->indent >= 0 && !items.empty()) Newline(level, json);
  *out += keyed ? '}' : ']';
}

void Append(const TemplateValue& v, int level, Json* json) {
  using Kind = TemplateValue::Kind;
  std::string* out = &json->out;
  if (json->over) return;
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
      AppendItems(items, false, level, json);
      return;
    }
    case Kind::kMap: {
      TemplateValue::Map map = *v.Entries();
      std::vector<std::pair<std::string, const TemplateValue*>> items;
      for (const auto& [key, value] : map) items.emplace_back(key, &value);
      std::stable_sort(items.begin(), items.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      AppendItems(items, true, level, json);
      return;
    }
  }
}

}  // namespace

std::optional<std::string> TemplateJson(const TemplateValue& value, long long indent,
                                        size_t max_bytes) {
  Json json{indent, max_bytes, "", false};
  Append(value, 0, &json);
  if (json.over || json.out.size() > max_bytes) return std::nullopt;
  return std::move(json.out);
}

}  // namespace occam
