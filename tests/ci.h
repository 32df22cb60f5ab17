// CI=true: components a test needs must be there (scripts/test installs and
// starts them); elsewhere such a test may skip with a message.
#pragma once

#include <cstdlib>
#include <string>

namespace occam::testing {

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace occam::testing
