// A StateStore in memory: the fake for tests of the planner and apply.
// Behaves as the SQLite store does, but nothing survives the object.
// Unlike a real store, it may be used by several threads at once, as
// tests do to stand for several processes sharing a state file.
#pragma once

#include <mutex>

#include "state/state_store.h"

namespace occam {

class MemoryStateStore : public StateStore {
 public:
  explicit MemoryStateStore(std::string lineage, std::string infra_id);

  Status Load(StateSnapshot* out) override;
  Status Commit(const StateChange& change, int64_t* serial) override;
  Status Events(int limit, std::vector<Event>* out) override;
  Status TryLock(const LockInfo& me, LockInfo* holder) override;
  Status Unlock(const std::string& id) override;
  Status CurrentLock(std::optional<LockInfo>* holder) override;
  Status Replace(const StateSnapshot& state,
                 const std::vector<Event>& events) override;

 private:
  std::mutex mu_;
  StateSnapshot snapshot_;
  std::vector<Event> events_;  // oldest first
  std::optional<LockInfo> lock_;
};

}  // namespace occam
