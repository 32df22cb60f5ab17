#include "base/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace occam {

int64_t ProcessStartTime(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  // The command name (field 2) is in parentheses and may hold spaces; count
  // fields from the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  // Fields 3.. follow: the state is field 3, the start time field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return -1;
    // A zombie has ended; only its exit status is left to collect.
    if (i == 3 && (field == "Z" || field == "X")) return -1;
  }
  return std::stoll(field);
}

bool ProcessIsAlive(int pid, int64_t start_time) {
  int64_t now = ProcessStartTime(pid);
  return now >= 0 && now == start_time;
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace occam
