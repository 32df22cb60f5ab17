// Wall-clock time for records (event and lock times). Durations use
// std::chrono::steady_clock directly.
#pragma once

#include <cstdint>
#include <string>

namespace occam {

// Unix time in milliseconds.
int64_t NowMillis();
// "2026-11-27T21:42:47.123Z"
std::string FormatTimestamp(int64_t unix_ms);

}  // namespace occam
