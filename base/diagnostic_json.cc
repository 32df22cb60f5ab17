#include "base/diagnostic_json.h"

#include <algorithm>
#include <fstream>

namespace occam {

using nlohmann::json;

namespace {

// The byte offset of line:column in `path` (both from 1), for marks made
// without one; 0 when the file cannot be read.
int64_t ByteOffset(const std::string& path, int line, int column) {
  std::ifstream in(path, std::ios::binary);
  int64_t offset = 0;
  std::string text;
  for (int l = 1; l < line && std::getline(in, text); ++l) {
    offset += static_cast<int64_t>(text.size()) + 1;
  }
  if (!in) return 0;
  return offset + std::max(0, column - 1);
}

}  // namespace

json DiagnosticToJson(const Diagnostic& d) {
  // Terraform's diagnostic has a detail; occam's messages say it all in one
  // line, and the detail repeats where it is.
  json fields = {{"severity", d.warning ? "warning" : "error"},
                 {"summary", d.message},
                 {"detail", d.mark.ToString().empty()
                                ? ""
                                : "at " + d.mark.ToString()}};
  if (!d.mark.file_name().empty()) {
    int64_t byte = d.mark.byte >= 0
                       ? d.mark.byte
                       : ByteOffset(d.mark.file_name(), d.mark.line, d.mark.column);
    json at = {{"line", d.mark.line}, {"column", d.mark.column}, {"byte", byte}};
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
