#include "cli/command.h"

#include <ostream>

namespace occam {

int ReportError(const Status& status, std::ostream& err) {
  err << "Error: " << status.message() << "\n";
  return kExitError;
}

}  // namespace occam
