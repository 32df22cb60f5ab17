// Fuzzes reading a saved plan. Input that parses as JSON is wrapped as the
// `plan` of a plan file with a matching checksum, so it reaches every check
// behind the checksum; other input is read as a whole file.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "fuzz/fuzz_input.h"
#include "planner/plan_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json plan = nlohmann::json::parse(text, nullptr, false);
  if (!plan.is_discarded()) {
    text = nlohmann::json{{"format", "occam-plan"},
                          {"version", 2},
                          {"checksum", occam::Sha256Hex(plan.dump())},
                          {"plan", plan}}
               .dump();
  }
  occam::Plan read;
  if (occam::ReadPlanFile(occam::fuzz::WriteFile("fuzz.plan", text), &read)
          .ok()) {
    occam::PlanToJson(read).dump();
    read.Summary();
  }
  return 0;
}
