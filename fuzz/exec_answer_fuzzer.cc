// Fuzzes how the exec provider reads a program's answer: standard output,
// standard error and the exit status, as three parts of the input.
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "providers/exec_provider.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = occam::fuzz::SplitParts(data, size, 3);
  occam::ProgramResult result;
  result.out = parts[0];
  result.err = parts[1];
  result.exit_code = parts[2].empty() ? 0 : static_cast<unsigned char>(parts[2][0]);
  nlohmann::json answer;
  occam::Status s = occam::ParseExecAnswer("exec provider fuzz", result, &answer);
  if (!s.ok()) nlohmann::json(s.message()).dump();
  return 0;
}
