#include "state/state_columns.h"

#include "base/utf8.h"

namespace occam {

using nlohmann::json;

std::string ColumnJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status ParseColumnJson(const std::string& text, const std::string& what,
                       json* out) {
  *out = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) {
    return Status::Corruption("the state has a damaged " + what);
  }
  return Status::Ok();
}

Status ReadTagsAndDependencies(const std::string& tags_text,
                               const std::string& deps_text,
                               ResourceInstance* out) {
  json tags = json::object(), deps = json::array();
  for (auto [text, target, what] :
       {std::tuple{&tags_text, &tags, "tags"},
        std::tuple{&deps_text, &deps, "dependencies"}}) {
    if (*text == "{}" || *text == "[]") continue;
    Status s = ParseColumnJson(*text, std::string(what) + " of " + out->address,
                               target);
    if (!s.ok()) return s;
  }
  try {
    out->tags = tags.get<std::map<std::string, std::string>>();
    out->dependencies = deps.get<std::vector<std::string>>();
  } catch (const json::exception&) {
    return Status::Corruption("the state has damaged tags of " + out->address);
  }
  return Status::Ok();
}

std::string ColumnText(const std::string& text) {
  bool has_nul = text.find('\0') != std::string::npos;
  if (!has_nul && InvalidUtf8Offset(text) == std::string::npos) return text;
  if (has_nul) {
    std::string copy;
    for (char c : text) {
      if (c == '\0') copy += "\xEF\xBF\xBD"; else copy += c;
    }
    return ColumnText(copy);
  }
  // A JSON string's dump replaces each invalid byte; unescape nothing else.
  std::string dumped = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return json::parse(dumped).get<std::string>();
}

}  // namespace occam
