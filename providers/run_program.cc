#include "providers/run_program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <tuple>

extern char** environ;

namespace occam {
namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  bool Open() { return pipe2(fd, O_CLOEXEC) == 0; }
  void Close(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
  ~Pipe() {
    Close(0);
    Close(1);
  }
};

}  // namespace

Status RunProgram(const std::vector<std::string>& argv,
                  const std::string& input, double timeout_seconds,
                  ProgramResult* result, size_t max_output_bytes) {
  Pipe in, out, err;
  if (!in.Open() || !out.Open() || !err.Open()) {
    return Status::IOError(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status::Unavailable("cannot run " + argv[0] + ": " +
                               std::strerror(rc));
  }
  in.Close(0);
  out.Close(1);
  err.Close(1);
  signal(SIGPIPE, SIG_IGN);

  size_t written = 0;
  if (input.empty()) in.Close(1);
  // Never block on a full pipe: the program may be waiting for us to read.
  if (in.fd[1] >= 0) fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(timeout_seconds);
  bool timed_out = false, too_large = false;
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3] = {{in.fd[1], POLLOUT, 0},
                     {out.fd[0], POLLIN, 0},
                     {err.fd[0], POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    poll(fds, 3, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (in.fd[1] >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in.fd[1], input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      bool failed = n < 0 && errno != EAGAIN && errno != EINTR;
      if (failed || written == input.size()) in.Close(1);
    }
    for (auto [pipe, target, i] : {std::tuple{&out, &result->out, 1},
                                   std::tuple{&err, &result->err, 2}}) {
      if (pipe->fd[0] < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        continue;
      }
      char buffer[65536];
      ssize_t n = read(pipe->fd[0], buffer, sizeof buffer);
      if (n > 0) target->append(buffer, static_cast<size_t>(n));
      if (n <= 0) pipe->Close(0);
      too_large = too_large || target->size() > max_output_bytes;
    }
    if (too_large) break;
  }
  if (timed_out || too_large) kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (too_large) {
    result->out.clear();
    result->err.clear();
    return Status::Unavailable(argv[0] + " wrote more than " +
                               std::to_string(max_output_bytes >> 10) +
                               " KiB; it was killed");
  }
  if (timed_out) {
    return Status::Unavailable(argv[0] + " did not answer within " +
                               std::to_string(static_cast<int>(timeout_seconds)) +
                               " s; it was killed");
  }
  result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return Status::Ok();
}

}  // namespace occam
