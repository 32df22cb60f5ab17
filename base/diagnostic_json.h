// A diagnostic as Terraform's JSON output shows one (severity, summary,
// range), for machine readers: `-json` UIs and occam serve's 400 answers.
#pragma once

#include <nlohmann/json.hpp>

#include "base/diagnostic.h"

namespace occam {

nlohmann::json DiagnosticToJson(const Diagnostic& d);

// The warnings then the errors of `diags`.
nlohmann::json DiagnosticsToJson(const Diagnostics& diags);

}  // namespace occam
