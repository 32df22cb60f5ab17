#include "state/memory_state_store.h"

#include "base/clock.h"

namespace occam {

MemoryStateStore::MemoryStateStore(std::string lineage, std::string infra_id) {
  snapshot_.lineage = std::move(lineage);
  snapshot_.infra_id = std::move(infra_id);
}

Status MemoryStateStore::Load(StateSnapshot* out) {
  std::lock_guard<std::mutex> lock(mu_);
  *out = snapshot_;
  return Status::Ok();
}

Status MemoryStateStore::Commit(const StateChange& change, int64_t* serial) {
  std::lock_guard<std::mutex> lock(mu_);
  ApplyChange(change, &snapshot_);
  *serial = ++snapshot_.serial;
  for (Event e : change.events) {
    e.id = events_.empty() ? 1 : events_.back().id + 1;
    if (e.time_ms == 0) e.time_ms = NowMillis();
    events_.push_back(std::move(e));
  }
  return Status::Ok();
}

Status MemoryStateStore::Events(int limit, std::vector<Event>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->clear();
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (limit > 0 && static_cast<int>(out->size()) == limit) break;
    out->push_back(*it);
  }
  return Status::Ok();
}

Status MemoryStateStore::TryLock(const LockInfo& me, LockInfo* holder) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lock_) {
    *holder = *lock_;
    return Status::Busy("the state is locked");
  }
  lock_ = me;
  return Status::Ok();
}

Status MemoryStateStore::Unlock(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!lock_ || lock_->id != id) {
    return Status::NotFound("no lock with id " + id);
  }
  lock_.reset();
  return Status::Ok();
}

Status MemoryStateStore::CurrentLock(std::optional<LockInfo>* holder) {
  std::lock_guard<std::mutex> lock(mu_);
  *holder = lock_;
  return Status::Ok();
}

Status MemoryStateStore::Replace(const StateSnapshot& state,
                                const std::vector<Event>& events) {
  std::lock_guard<std::mutex> lock(mu_);
  snapshot_ = state;
  events_ = events;
  return Status::Ok();
}

}  // namespace occam
