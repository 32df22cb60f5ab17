// The process provider: each instance is a local process in its own
// session and process group, started with the configured command, env and
// working directory, its output appended to a log file beside the state.
// It is occam's embedded default: it needs nothing but the machine.
//
// An object's id is "PID:START" (the pid and the process start time), so a
// reused pid is never taken for the instance. The ownership tags are put in
// the process's environment (OCCAM_LINEAGE, OCCAM_ADDRESS), where
// FindByTags looks for them.
#pragma once

#include <mutex>
#include <set>

#include "providers/provider.h"

namespace occam {

class ProcessProvider : public Provider {
 public:
  explicit ProcessProvider(ProviderOptions options)
      : options_(std::move(options)) {}

  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  // SIGTERM to the process group, SIGKILL after the grace period.
  Status Delete(const std::string& id) override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;
  // A pid (or PID:START): its command line from /proc stands in for the
  // configured command, and PORT from its environment for the port.
  Status Import(const std::string& user_id, const nlohmann::json& config,
                ResourceObject* out, nlohmann::json* observed) override;

 private:
  // A free TCP port on 127.0.0.1 from "FIRST-LAST", or 0 and `*error`.
  int TakePort(const std::string& range, std::string* error);
  std::string LogPath(const std::string& address) const;

  ProviderOptions options_;
  std::mutex mu_;
  std::set<int> ports_taken_;  // handed out by this process
  std::map<std::string, double> grace_;  // id -> seconds, from the config
  // What this process started: id -> log path, and how each one that
  // ended ended ("exited with status 3"), so Read says why it is gone.
  std::map<std::string, std::string> logs_;
  std::map<std::string, std::string> ended_;
  // Collects the exit status of `id` if it is our child and has ended.
  void Reap(const std::string& id, int pid);
  bool Alive(const std::string& id, int pid, int64_t start);
  Status Reload(const nlohmann::json& reload, int pid, const std::string& dir,
                const std::string& address);
  // Drops what this process remembers of a deleted instance.
  void Forget(const std::string& id);
};

}  // namespace occam
