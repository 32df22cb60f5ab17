// StateLock holds a StateStore's lock for one operation (plan, apply, scale
// …) and releases it when destroyed. Acquiring waits up to a timeout for a
// live holder; a lock left by a process of this host that is no longer
// running is reported as stale, with the command that clears it — or, for
// an unattended daemon restarted after a crash, taken over.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"
#include "state/state_store.h"

namespace occam {

class StateLock {
 public:
  // Takes the lock of `store` for `operation`. `state_name` names the state
  // in messages (its path). A stale lock (its holder, of this host, has
  // ended) is an error naming force-unlock when `taken_over` is null;
  // otherwise it is cleared and taken, and `*taken_over` is that holder
  // (else its id is ""); taking one over waits 250 ms first, so that what
  // the dead holder started (a process between spawn and exec) can be
  // found by its ownership tags.
  static Status Acquire(StateStore* store, const std::string& state_name,
                        const std::string& operation,
                        std::chrono::milliseconds timeout,
                        std::unique_ptr<StateLock>* out,
                        LockInfo* taken_over = nullptr);
  // Acquire without waiting, taking over a stale lock.
  static Status AcquireTakingOverStale(StateStore* store,
                                       const std::string& state_name,
                                       const std::string& operation,
                                       std::unique_ptr<StateLock>* out,
                                       LockInfo* stale);
  ~StateLock();

  const LockInfo& info() const { return info_; }

 private:
  StateLock(StateStore* store, LockInfo info)
      : store_(store), info_(std::move(info)) {}

  StateStore* store_;
  LockInfo info_;
};

// Who this process is, as a lock records it.
LockInfo ThisProcessLockInfo(const std::string& operation);
// True when `holder` is a process of this host that has ended.
bool LockIsStale(const LockInfo& holder);
// True when `holder` is a process of this host that is still running.
bool LockHolderIsRunning(const LockInfo& holder);
// The holder as an indented block: ID, operation, who, PID, since.
std::string DescribeLock(const LockInfo& holder);

}  // namespace occam
