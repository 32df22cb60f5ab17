// How an instance's structured fields are kept in a text column, the same
// in every store: JSON for tags and dependencies, and the checks that turn
// a damaged column into Corruption instead of a crash.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "state/state_snapshot.h"

namespace occam {

// A JSON column's text; what is not UTF-8 (an alert label, a provider's
// message) becomes U+FFFD instead of aborting the commit.
std::string ColumnJson(const nlohmann::json& value);

// Parses a JSON column; a damaged value is corruption, not a crash.
Status ParseColumnJson(const std::string& text, const std::string& what,
                       nlohmann::json* out);

// What the rows of one Load share: the instances of a node type have the
// same dependencies (and often the same tags), and rows come in address
// order, so each distinct text in a run is parsed once.
struct ColumnCache {
  std::string tags_text = "{}";
  std::map<std::string, std::string> tags;
  std::string dependencies_text = "[]";
  std::vector<std::string> dependencies;
};

// Sets out->tags and out->dependencies from their columns.
Status ReadTagsAndDependencies(std::string_view tags,
                               std::string_view dependencies,
                               ColumnCache* cache, ResourceInstance* out);

// `text` with what is not UTF-8, and NUL, replaced by U+FFFD: a database
// that checks its text refuses the one, and C strings end at the other.
std::string ColumnText(const std::string& text);

}  // namespace occam
