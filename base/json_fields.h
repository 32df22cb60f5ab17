// Reading fields of JSON that came from outside (a webhook, a state file,
// a program's answer) without nlohmann's exceptions: json::value() throws
// when the field has another type, or when the value is not an object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace occam {

// object[key] when `object` is an object and that field a string, else
// `fallback`.
inline std::string JsonString(const nlohmann::json& object, const char* key,
                              const std::string& fallback = "") {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>()
                                               : fallback;
}

// object[key] when `object` is an object and that field a whole number that
// fits an int, else `fallback`.
inline int JsonInt(const nlohmann::json& object, const char* key,
                   int fallback = 0) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return fallback;
  auto v = it->get<long long>();
  return v >= INT32_MIN && v <= INT32_MAX ? static_cast<int>(v) : fallback;
}

// object[key] when `object` is an object that has it, else null.
inline const nlohmann::json& JsonField(const nlohmann::json& object,
                                       const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// Whether JSON `text` nests arrays and objects deeper than `max_depth`.
// nlohmann::json keeps a value per open bracket: 60 MiB of '[' took 4.7 GB
// to parse. Brackets inside strings do not count.
inline bool JsonNestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Whether JSON `text` holds more than `limit` arrays, objects and
// elements (counting '[', '{' and ',' outside strings): a bound on the
// values nlohmann::json would make, checked before it makes them. 64 MiB
// of "{}," took 2.4 GB to parse.
inline bool JsonElementsMoreThan(std::string_view text, size_t limit) {
  size_t count = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '[' || c == '{' || c == ',') && ++count > limit) {
      return true;
    }
  }
  return false;
}

}  // namespace occam
