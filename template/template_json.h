// Jinja's `tojson` filter: Python's json.dumps(value, sort_keys=True) with
// <, >, & and ' escaped for HTML, byte for byte as Jinja 3 writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "template/template_value.h"

namespace occam {

// `indent` < 0: one line (", " and ": " between items); else one item a
// line, indented that many spaces per level ("," at line ends). nullopt
// once the text would pass `max_bytes`.
std::optional<std::string> TemplateJson(const TemplateValue& value, long long indent = -1,
                                        size_t max_bytes = SIZE_MAX);

}  // namespace occam
