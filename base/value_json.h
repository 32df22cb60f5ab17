// Converts descriptor Values to JSON as PyYAML would type them: plain
// scalars become numbers, booleans or null where they read as such, quoted
// ones stay strings.
#pragma once

#include <nlohmann/json.hpp>

#include "base/value.h"

namespace occam {

nlohmann::json ScalarToJson(const Value& scalar);
nlohmann::json ValueToJson(const Value& value);

}  // namespace occam
