#include "base/diagnostic_json.h"

namespace occam {

using nlohmann::json;

json DiagnosticToJson(const Diagnostic& d) {
  json fields = {{"severity", d.warning ? "warning" : "error"},
                 {"summary", d.message},
                 {"detail", ""}};
  if (!d.mark.file_name().empty()) {
    json at = {{"line", d.mark.line}, {"column", d.mark.column}};
    fields["range"] = {{"filename", d.mark.file_name()}, {"start", at}, {"end", at}};
  }
  return fields;
}

json DiagnosticsToJson(const Diagnostics& diags) {
  json out = json::array();
  for (const auto* list : {&diags.warnings(), &diags.list()}) {
    for (const Diagnostic& d : *list) out.push_back(DiagnosticToJson(d));
  }
  return out;
}

}  // namespace occam
