#include "cli/command.h"

#include <ostream>

#include "base/utf8.h"

namespace occam {

int ReportError(const Status& status, std::ostream& err) {
  const std::string& m = status.message();
  // Diagnostics ("infra.yaml:4:5: error: …") say "error" already.
  std::string first = m.substr(0, m.find('\n'));
  bool diagnostics = first.find(": error: ") != std::string::npos;
  err << (diagnostics ? "" : "Error: ") << Printable(m);
  if (m.empty() || m.back() != '\n') err << "\n";
  return kExitError;
}

}  // namespace occam
