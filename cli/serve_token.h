// occam serve's bearer token file, shared by serve (which checks the
// token) and occam rules (whose Alertmanager receiver sends it).
#pragma once

#include <string>

#include "base/status.h"

namespace occam {

// The token in `path`, or a new random one written there (mode 0600) with
// a line on stderr. A file other users may write, or anyone may read, is
// refused, and so is one without a token on its first line.
Status LoadOrMakeServeToken(const std::string& path, std::string* token);

}  // namespace occam
