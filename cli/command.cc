#include "cli/command.h"

#include <ostream>

#include "base/utf8.h"

namespace occam {

int ReportError(const Status& status, std::ostream& err) {
  err << "Error: " << Printable(status.message()) << "\n";
  return kExitError;
}

}  // namespace occam
