#include "providers/process_provider.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/atomic_file.h"
#include "base/json_fields.h"
#include "base/process_identity.h"
#include "providers/run_program.h"

extern char** environ;

namespace occam {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char kLineageEnv[] = "OCCAM_LINEAGE";
const char kAddressEnv[] = "OCCAM_ADDRESS";

std::string MakeId(int pid, int64_t start) {
  return std::to_string(pid) + ":" + std::to_string(start);
}

bool ParseId(const std::string& id, int* pid, int64_t* start) {
  size_t colon = id.find(':');
  if (colon == std::string::npos) return false;
  char* end = nullptr;
  *pid = static_cast<int>(std::strtol(id.c_str(), &end, 10));
  if (end != id.c_str() + colon) return false;
  *start = std::strtoll(id.c_str() + colon + 1, &end, 10);
  return *end == '\0' && *pid > 0;
}

// "exited with status N" or "was killed by signal N", `when` after the
// verb ("exited at once with status 7").
std::string HowItEnded(int status, const std::string& when = "") {
  if (WIFEXITED(status)) {
    return "exited" + when + " with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "was killed" + when + " by signal " + std::to_string(WTERMSIG(status));
  }
  return "ended" + when;
}

// argv from "cmd" (run by /bin/sh -c) or [prog, args…].
bool CommandLine(const json& command, std::vector<std::string>* argv) {
  if (command.is_string()) {
    *argv = {"/bin/sh", "-c", command.get<std::string>()};
    return true;
  }
  if (!command.is_array() || command.empty()) return false;
  for (const json& arg : command) {
    argv->push_back(arg.is_string() ? arg.get<std::string>() : arg.dump());
  }
  return true;
}

// The environment of the new process: ours, the configured env, the tags.
std::vector<std::string> Environment(const json& env, const OwnershipTags& tags,
                                     int port) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  if (env.is_object()) {
    for (const auto& [k, v] : env.items()) {
      vars[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  auto tag = [&](const char* name) {
    auto it = tags.find(name);
    return it == tags.end() ? std::string() : it->second;
  };
  vars[kLineageEnv] = tag(kLineageTag);
  vars[kAddressEnv] = tag(kAddressTag);
  if (port > 0) vars["PORT"] = std::to_string(port);
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The variables of process `pid`'s environment that are tags.
OwnershipTags TagsOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ",
                   std::ios::binary);
  OwnershipTags tags;
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(std::string(kLineageEnv) + "=", 0) == 0) {
      tags[kLineageTag] = entry.substr(sizeof(kLineageEnv));
    } else if (entry.rfind(std::string(kAddressEnv) + "=", 0) == 0) {
      tags[kAddressTag] = entry.substr(sizeof(kAddressEnv));
    }
  }
  return tags;
}

bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return free;
}

// Writes `files` ({relative path: text}) under `dir`, each atomically. A
// path that is absolute or climbs out of `dir` is refused: files stay in
// the instance's folder.
Status WriteFiles(const json& files, const std::string& dir,
                  const std::string& address) {
  if (files.is_null()) return Status::Ok();
  if (!files.is_object()) {
    return Status::InvalidArgument(address + ": files must map paths to texts");
  }
  for (const auto& [name, text] : files.items()) {
    std::filesystem::path path(name);
    bool inside = !name.empty() && path.is_relative();
    for (const auto& part : path) inside = inside && part != "..";
    if (!inside || !text.is_string()) {
      return Status::InvalidArgument(
          address + ": files: '" + name + "' must be a relative path inside "
          "the working directory, mapped to a text");
    }
    std::filesystem::path full = std::filesystem::path(dir) / path;
    std::error_code ec;
    std::filesystem::create_directories(full.parent_path(), ec);
    Status s = WriteFileAtomically(full.string(), text.get<std::string>(), 0600);
    if (!s.ok()) return Status::IOError(address + ": " + s.message());
  }
  return Status::Ok();
}

// The signal a `reload: {signal: NAME}` names.
int ReloadSignal(const std::string& name) {
  static const std::map<std::string, int> kSignals = {
      {"HUP", SIGHUP}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
      {"INT", SIGINT}, {"TERM", SIGTERM}, {"QUIT", SIGQUIT}};
  std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  auto it = kSignals.find(bare);
  return it == kSignals.end() ? 0 : it->second;
}

}  // namespace

void ProcessProvider::Reap(const std::string& id, int pid) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != pid) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto log = logs_.find(id);
  ended_[id] = HowItEnded(status) +
               (log == logs_.end() ? "" : "; its output is in " + log->second);
}

bool ProcessProvider::Alive(const std::string& id, int pid, int64_t start) {
  Reap(id, pid);
  return ProcessIsAlive(pid, start);
}

std::string ProcessProvider::LogPath(const std::string& address) const {
  std::string name;
  for (char c : address) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return (std::filesystem::path(options_.state_dir) / "occam-logs" /
          (name + ".log"))
      .string();
}

int ProcessProvider::TakePort(const std::string& range, std::string* error) {
  int first = 0, last = 0;
  if (std::sscanf(range.c_str(), "%d-%d", &first, &last) != 2 || first < 1 ||
      last > 65535 || first > last) {
    *error = "port_range '" + range + "' must be FIRST-LAST, e.g. 20000-20999";
    return 0;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (int port = first; port <= last; ++port) {
    if (!ports_taken_.count(port) && PortFree(port)) {
      ports_taken_.insert(port);
      return port;
    }
  }
  *error = "no free port in port_range " + range;
  return 0;
}

Status ProcessProvider::Create(const ResourceRequest& request,
                               ResourceObject* out) {
  const json& resource = request.config.value("resource", json::object());
  std::vector<std::string> argv;
  if (!CommandLine(resource.value("command", json()), &argv)) {
    return Status::InvalidArgument(request.address +
                                   ": process needs a command");
  }
  int port = 0;
  if (resource.contains("port_range")) {
    std::string error;
    port = TakePort(resource["port_range"].get<std::string>(), &error);
    if (port == 0) return Status::Unavailable(request.address + ": " + error);
  }
  std::string log = LogPath(request.address);
  std::filesystem::create_directories(std::filesystem::path(log).parent_path());
  std::string dir = resource.value("working_dir", options_.state_dir);
  Status written = WriteFiles(JsonField(resource, "files"), dir, request.address);
  if (!written.ok()) return written;
  std::vector<std::string> env =
      Environment(resource.value("env", json()), request.tags, port);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Nothing else of occam's: an inherited pipe would keep whoever reads
  // occam's output waiting for as long as the instance runs.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session and process group: Delete signals the whole group.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  std::vector<char*> argv_p = Pointers(argv), env_p = Pointers(env);
  int rc = posix_spawnp(&pid, argv_p[0], &actions, &attr, argv_p.data(),
                        env_p.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status::Unavailable(request.address + ": cannot start " + argv[0] +
                               ": " + std::strerror(rc));
  }
  int64_t start = ProcessStartTime(pid);
  // A command that fails at once is a failed create, not a ready instance.
  for (int i = 0; i < 10; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return Status::Unavailable(request.address + ": the process " +
                                 HowItEnded(status, " at once") + "; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  out->id = MakeId(pid, start);
  {
    std::lock_guard<std::mutex> lock(mu_);
    logs_[out->id] = log;
  }
  out->outputs = {{"pid", pid}, {"ip", "127.0.0.1"}, {"log", log}};
  if (port > 0) out->outputs["port"] = port;
  out->tags = request.tags;
  std::lock_guard<std::mutex> lock(mu_);
  grace_[out->id] = resource.value("grace_period", 5.0);
  return Status::Ok();
}

Status ProcessProvider::Read(const std::string& id, ResourceObject* out) {
  int pid;
  int64_t start;
  if (!ParseId(id, &pid, &start) || !Alive(id, pid, start)) {
    std::lock_guard<std::mutex> lock(mu_);
    auto ended = ended_.find(id);
    return Status::NotFound("process " + id + " " +
                            (ended == ended_.end() ? "is not running" : ended->second));
  }
  out->id = id;
  out->outputs = {{"pid", pid}, {"ip", "127.0.0.1"}};
  out->tags = TagsOf(pid);
  return Status::Ok();
}

// Only `files` change in place, and only with `reload` (the planner
// replaces the instance for anything else): rewrite them, then reload.
Status ProcessProvider::Update(const std::string& id, const ResourceRequest& request,
                               ResourceObject* out) {
  const json& resource = JsonField(request.config, "resource");
  const json& reload = JsonField(resource, "reload");
  int pid;
  int64_t start;
  if (!reload.is_object()) {
    return Status::InvalidArgument("process " + id + " cannot change in place "
                                   "without reload; it is replaced");
  }
  if (!ParseId(id, &pid, &start) || !Alive(id, pid, start)) {
    return Status::NotFound("process " + id + " is not running");
  }
  std::string dir = resource.value("working_dir", options_.state_dir);
  Status s = WriteFiles(JsonField(resource, "files"), dir, request.address);
  if (s.ok()) s = Reload(reload, pid, dir, request.address);
  if (!s.ok()) return s;
  out->id = id;
  out->outputs = {{"pid", pid}, {"ip", "127.0.0.1"}};
  out->tags = request.tags;
  return Status::Ok();
}

// reload: {signal: HUP} signals the process (its group leader, the
// command occam started); reload: {command: [...]} runs a program in its
// working directory with OCCAM_PID set, and its failure is the update's.
Status ProcessProvider::Reload(const json& reload, int pid, const std::string& dir,
                               const std::string& address) {
  if (reload.contains("signal")) {
    int sig = ReloadSignal(JsonString(reload, "signal"));
    if (sig == 0) {
      return Status::InvalidArgument(address + ": reload signal '" +
                                     JsonString(reload, "signal") +
                                     "' is not one of HUP, USR1, USR2, INT, TERM, QUIT");
    }
    return kill(pid, sig) == 0 ? Status::Ok()
                               : Status::Unavailable(address + ": cannot signal process " +
                                                     std::to_string(pid));
  }
  std::vector<std::string> argv;
  if (!CommandLine(JsonField(reload, "command"), &argv)) {
    return Status::InvalidArgument(address + ": reload needs a signal or a command");
  }
  std::vector<std::string> wrapped = {"/bin/sh", "-c",
                                      "cd \"$0\" && OCCAM_PID=$1 && export OCCAM_PID "
                                      "&& shift 2 && exec \"$@\"",
                                      dir, std::to_string(pid), "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  ProgramResult result;
  Status s = RunProgram(wrapped, "", 60, &result, 1 << 20);
  if (s.ok() && result.exit_code != 0) {
    s = Status::Unavailable(address + ": reload command exited with status " +
                            std::to_string(result.exit_code) + ": " + result.err);
  }
  return s;
}

Status ProcessProvider::Delete(const std::string& id) {
  int pid;
  int64_t start;
  if (!ParseId(id, &pid, &start)) return Status::Ok();
  double grace = 5;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = grace_.find(id);
    if (it != grace_.end()) grace = it->second;
  }
  if (!Alive(id, pid, start)) {
    Forget(id);
    return Status::Ok();
  }
  // What occam started leads its own group; an imported process may not.
  pid_t target = getpgid(pid) == pid ? -pid : pid;
  kill(target, SIGTERM);
  auto deadline = Clock::now() + std::chrono::duration<double>(grace);
  while (Alive(id, pid, start) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (Alive(id, pid, start)) {
    kill(target, SIGKILL);
    for (int i = 0; i < 500 && Alive(id, pid, start); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (Alive(id, pid, start)) {
    return Status::Unavailable("process " + id + " survived SIGKILL");
  }
  Forget(id);
  return Status::Ok();
}

namespace {

// The command line of process `pid`, from /proc/PID/cmdline.
std::vector<std::string> CommandLineOf(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  std::string arg;
  while (std::getline(in, arg, '\0')) argv.push_back(arg);
  return argv;
}

// The value of `name` in process `pid`'s environment, or "".
std::string EnvironmentOf(int pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(name + "=", 0) == 0) return entry.substr(name.size() + 1);
  }
  return "";
}

}  // namespace

Status ProcessProvider::Import(const std::string& user_id, const json& config,
                               ResourceObject* out, json* observed) {
  int pid = 0;
  int64_t start = -1;
  char* end = nullptr;
  long number = std::strtol(user_id.c_str(), &end, 10);
  if (end != user_id.c_str() && *end == '\0' && number > 0 && number < INT32_MAX) {
    pid = static_cast<int>(number);
    start = ProcessStartTime(pid);
  } else if (!ParseId(user_id, &pid, &start)) {
    return Status::InvalidArgument("'" + user_id + "' is not a process id: give "
                                   "its pid (or PID:START as occam records it)");
  }
  if (start < 0 || !ProcessIsAlive(pid, start)) {
    return Status::NotFound("no process " + user_id + " is running");
  }
  std::vector<std::string> argv = CommandLineOf(pid);
  if (argv.empty()) {
    return Status::InvalidArgument("process " + std::to_string(pid) +
                                   " has no command line (a kernel thread?); it "
                                   "cannot be imported");
  }
  out->id = MakeId(pid, start);
  out->outputs = {{"pid", pid}, {"ip", "127.0.0.1"}};
  std::string port = EnvironmentOf(pid, "PORT");
  if (!port.empty()) out->outputs["port"] = std::atoi(port.c_str());
  out->tags = TagsOf(pid);
  *observed = config;
  json& resource = (*observed)["resource"];
  std::vector<std::string> configured;
  if (!CommandLine(resource.value("command", json()), &configured) || configured != argv) {
    resource["command"] = argv;  // the plan shows the difference
  }
  return Status::Ok();
}

void ProcessProvider::Forget(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  grace_.erase(id);
  logs_.erase(id);
  ended_.erase(id);
}

Status ProcessProvider::FindByTags(const OwnershipTags& tags,
                                   std::vector<ResourceObject>* out) {
  out->clear();
  DIR* proc = opendir("/proc");
  if (!proc) return Status::IOError("cannot read /proc");
  while (dirent* entry = readdir(proc)) {
    int pid = std::atoi(entry->d_name);
    // Only the process occam started leads its group; its children share
    // the environment but not the group leadership.
    if (pid <= 0 || getpgid(pid) != pid) continue;
    OwnershipTags found = TagsOf(pid);
    bool all = !found.empty();
    for (const auto& [k, v] : tags) {
      auto it = found.find(k);
      all = all && it != found.end() && it->second == v;
    }
    int64_t start = ProcessStartTime(pid);
    if (!all || start < 0) continue;
    ResourceObject object;
    object.id = MakeId(pid, start);
    object.outputs = {{"pid", pid}, {"ip", "127.0.0.1"}};
    object.tags = found;
    out->push_back(object);
  }
  closedir(proc);
  std::sort(out->begin(), out->end(),
            [](auto& a, auto& b) { return a.id < b.id; });
  return Status::Ok();
}

}  // namespace occam
