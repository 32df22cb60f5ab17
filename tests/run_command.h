// Runs a command line through /bin/sh and captures what it printed and the
// peak memory it used, for end-to-end tests of the occam binary.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

extern char** environ;

namespace occam::testing {

struct CommandResult {
  int exit_code = -1;      // -1 when killed by a signal
  std::string out;         // stdout and stderr, interleaved
  long peak_rss_kib = 0;   // the command's largest resident set
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const std::string& line = command;
  const char* argv[] = {"/bin/sh", "-c", line.c_str(), nullptr};
  pid_t pid;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr,
                       const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return result;
  }
  char buffer[4096];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) result.out.append(buffer, n);
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.peak_rss_kib = usage.ru_maxrss;
  return result;
}

// The occam binary under test and the folders tests read from.
inline std::string OccamBinary() { return OCCAM_BINARY; }
inline std::string SourceDir() { return OCCAM_SOURCE_DIR; }
// The shared Occopus corpus: $OCCAM_CORPUS, or ../shared/corpus/occopus
// beside the source tree (where CI puts it).
inline std::string CorpusDir() {
  const char* env = std::getenv("OCCAM_CORPUS");
  if (env && *env) return env;
  return std::string(OCCAM_SOURCE_DIR) + "/../shared/corpus/occopus";
}

}  // namespace occam::testing
