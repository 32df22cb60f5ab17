// Runs a program with some standard input and collects its standard output
// and error, within a time limit: what the exec provider does for every
// call. The program gets its own process group, killed on timeout.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// A program that writes more than `max_output_bytes` to standard output or
// error is killed, and that is the error.
Status RunProgram(const std::vector<std::string>& argv,
                  const std::string& input, double timeout_seconds,
                  ProgramResult* result,
                  size_t max_output_bytes = size_t{64} << 20);

}  // namespace occam
