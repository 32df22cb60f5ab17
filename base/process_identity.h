// Identifies a running process beyond its pid, which the kernel reuses: the
// pid together with its start time names one process for its whole life.
#pragma once

#include <cstdint>
#include <string>

namespace occam {

// The start time of process `pid` in clock ticks since boot (field 22 of
// /proc/PID/stat), or -1 when no such process runs (zombies included).
int64_t ProcessStartTime(int pid);

// True when the process that had `pid` and `start_time` is still running.
bool ProcessIsAlive(int pid, int64_t start_time);

// This machine's host name.
std::string HostName();

}  // namespace occam
