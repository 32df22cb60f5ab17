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

namespace {

// Parses `text` into `*out` unless it is the text `*cached` was parsed
// from; T is a map or a vector of strings.
template <typename T>
Status ReadCached(std::string_view text, const char* what,
                  const std::string& address, std::string* cached_text,
                  T* cached) {
  if (text == *cached_text) return Status::Ok();
  json parsed;
  Status s = ParseColumnJson(std::string(text), std::string(what) + " of " + address,
                             &parsed);
  if (!s.ok()) return s;
  try {
    *cached = parsed.get<T>();
  } catch (const json::exception&) {
    return Status::Corruption("the state has damaged " + std::string(what) +
                              " of " + address);
  }
  *cached_text = text;
  return Status::Ok();
}

}  // namespace

Status ReadTagsAndDependencies(std::string_view tags_text,
                               std::string_view deps_text,
                               ColumnCache* cache, ResourceInstance* out) {
  Status s = ReadCached(tags_text, "tags", out->address, &cache->tags_text,
                        &cache->tags);
  if (s.ok()) {
    s = ReadCached(deps_text, "dependencies", out->address,
                   &cache->dependencies_text, &cache->dependencies);
  }
  if (!s.ok()) return s;
  out->tags = cache->tags;
  out->dependencies = cache->dependencies;
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
