#include "state/state_lock.h"

#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "base/clock.h"
#include "base/uuid.h"
#include "base/process_identity.h"

namespace occam {
namespace {

constexpr std::chrono::milliseconds kTakeoverSettle{250};

}  // namespace

LockInfo ThisProcessLockInfo(const std::string& operation) {
  LockInfo me;
  me.id = NewUuid();
  me.operation = operation;
  me.host = HostName();
  const char* user = std::getenv("USER");
  me.who = std::string(user && *user ? user : "unknown") + "@" + me.host;
  me.pid = static_cast<int>(getpid());
  me.process_start = ProcessStartTime(me.pid);
  me.since_ms = NowMillis();
  return me;
}

bool LockIsStale(const LockInfo& holder) {
  return holder.host == HostName() &&
         !ProcessIsAlive(holder.pid, holder.process_start);
}

bool LockHolderIsRunning(const LockInfo& holder) {
  return holder.host == HostName() &&
         ProcessIsAlive(holder.pid, holder.process_start);
}

std::string DescribeLock(const LockInfo& holder) {
  return "  ID:        " + holder.id + "\n" +
         "  Operation: " + holder.operation + "\n" +
         "  Who:       " + holder.who + "\n" +
         "  PID:       " + std::to_string(holder.pid) + "\n" +
         "  Since:     " + FormatTimestamp(holder.since_ms) + "\n";
}

Status StateLock::Acquire(StateStore* store, const std::string& state_name,
                          const std::string& operation,
                          std::chrono::milliseconds timeout,
                          std::unique_ptr<StateLock>* out,
                          LockInfo* taken_over) {
  if (taken_over) *taken_over = LockInfo();
  LockInfo me = ThisProcessLockInfo(operation);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    LockInfo holder;
    Status s = store->TryLock(me, &holder);
    if (s.ok()) {
      out->reset(new StateLock(store, me));
      return s;
    }
    if (s.code() != Status::Code::kBusy) return s;
    if (LockIsStale(holder) && taken_over) {
      // Only that lock: if another process took it over first, the next
      // try waits for that one.
      s = store->Unlock(holder.id);
      if (!s.ok() && !s.IsNotFound()) return s;
      if (s.ok()) {
        *taken_over = holder;
        // What the dead holder set going may still be starting: a process
        // spawned a moment before the kill execs (and shows its ownership
        // tags) only after it. Give it that moment before anyone looks.
        std::this_thread::sleep_for(kTakeoverSettle);
      }
      continue;
    }
    if (LockIsStale(holder)) {
      return Status::Busy(
          "the state lock of " + state_name + " is held by process " +
          std::to_string(holder.pid) +
          " of this host, which is no longer running (a stale lock):\n" +
          DescribeLock(holder) +
          "If no other occam is using this state, clear it with:\n"
          "  occam force-unlock " + holder.id);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Busy("the state " + state_name +
                          " is locked by another occam:\n" +
                          DescribeLock(holder) +
                          "Wait for it to finish, or pass --lock-timeout to "
                          "wait longer");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status StateLock::AcquireTakingOverStale(StateStore* store,
                                         const std::string& state_name,
                                         const std::string& operation,
                                         std::unique_ptr<StateLock>* out,
                                         LockInfo* stale) {
  return Acquire(store, state_name, operation, std::chrono::milliseconds(0),
                 out, stale);
}

StateLock::~StateLock() { store_->Unlock(info_.id); }

}  // namespace occam
