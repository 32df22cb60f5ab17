// How an instance's structured fields are kept in a text column, the same
// in every store: JSON for tags and dependencies, and the checks that turn
// a damaged column into Corruption instead of a crash.
#pragma once

#include <string>

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

// Sets out->tags and out->dependencies from their columns.
Status ReadTagsAndDependencies(const std::string& tags,
                               const std::string& dependencies,
                               ResourceInstance* out);

// `text` with what is not UTF-8, and NUL, replaced by U+FFFD: a database
// that checks its text refuses the one, and C strings end at the other.
std::string ColumnText(const std::string& text);

}  // namespace occam
