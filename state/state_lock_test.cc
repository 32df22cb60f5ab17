#include "state/state_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "state/memory_state_store.h"
#include "base/process_identity.h"

namespace occam {
namespace {

using std::chrono::milliseconds;

TEST(StateLock, HeldUntilDestroyed) {
  MemoryStateStore store("l", "i");
  {
    std::unique_ptr<StateLock> lock;
    ASSERT_TRUE(StateLock::Acquire(&store, "occam.db", "apply", milliseconds(0),
                                   &lock).ok());
    std::optional<LockInfo> holder;
    store.CurrentLock(&holder);
    ASSERT_TRUE(holder.has_value());
    EXPECT_EQ("apply", holder->operation);
    EXPECT_EQ(getpid(), holder->pid);
  }
  std::optional<LockInfo> holder;
  store.CurrentLock(&holder);
  EXPECT_FALSE(holder.has_value());
}

TEST(StateLock, LiveHolderMakesOthersFailWithItsDetails) {
  MemoryStateStore store("l", "i");
  std::unique_ptr<StateLock> first, second;
  ASSERT_TRUE(StateLock::Acquire(&store, "occam.db", "apply", milliseconds(0),
                                 &first).ok());
  Status s = StateLock::Acquire(&store, "occam.db", "plan", milliseconds(100),
                                &second);
  EXPECT_EQ(Status::Code::kBusy, s.code());
  EXPECT_EQ("the state occam.db is locked by another occam:\n" +
                DescribeLock(first->info()) +
                "Wait for it to finish, or pass --lock-timeout to wait "
                "longer",
            s.message());
}

TEST(StateLock, WaitsForTheHolderUpToTheTimeout) {
  MemoryStateStore store("l", "i");
  auto first = std::make_unique<std::unique_ptr<StateLock>>();
  ASSERT_TRUE(StateLock::Acquire(&store, "occam.db", "apply", milliseconds(0),
                                 first.get()).ok());
  std::thread release([&] {
    std::this_thread::sleep_for(milliseconds(150));
    first->reset();
  });
  std::unique_ptr<StateLock> second;
  Status s = StateLock::Acquire(&store, "occam.db", "plan", milliseconds(5000),
                                &second);
  release.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(StateLock, LockOfADeadProcessIsReportedStale) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int64_t start = ProcessStartTime(child);
  waitpid(child, nullptr, 0);
  MemoryStateStore store("l", "i");
  LockInfo dead = ThisProcessLockInfo("apply");
  dead.pid = child;
  dead.process_start = start;
  LockInfo ignored;
  ASSERT_TRUE(store.TryLock(dead, &ignored).ok());
  EXPECT_TRUE(LockIsStale(dead));
  std::unique_ptr<StateLock> lock;
  Status s = StateLock::Acquire(&store, "occam.db", "plan", milliseconds(5000),
                                &lock);
  EXPECT_EQ(Status::Code::kBusy, s.code());
  EXPECT_EQ("the state lock of occam.db is held by process " +
                std::to_string(child) +
                " of this host, which is no longer running (a stale lock):\n" +
                DescribeLock(dead) +
                "If no other occam is using this state, clear it with:\n"
                "  occam force-unlock " + dead.id,
            s.message());
}

TEST(StateLock, ADaemonTakesOverOnlyStaleLocks) {
  MemoryStateStore store("l", "i");
  // A live holder (this process, another operation) is not taken over.
  std::unique_ptr<StateLock> live, daemon;
  ASSERT_TRUE(StateLock::Acquire(&store, "occam.db", "apply", milliseconds(0),
                                 &live).ok());
  LockInfo stale;
  EXPECT_EQ(Status::Code::kBusy,
            StateLock::AcquireTakingOverStale(&store, "occam.db", "serve",
                                              &daemon, &stale).code());
  EXPECT_EQ("", stale.id);
  live.reset();

  // A dead holder's is.
  pid_t child = fork();
  if (child == 0) _exit(0);
  int64_t start = ProcessStartTime(child);
  waitpid(child, nullptr, 0);
  LockInfo dead = ThisProcessLockInfo("serve");
  dead.pid = child;
  dead.process_start = start;
  LockInfo ignored;
  ASSERT_TRUE(store.TryLock(dead, &ignored).ok());
  ASSERT_TRUE(StateLock::AcquireTakingOverStale(&store, "occam.db", "serve",
                                                &daemon, &stale).ok());
  EXPECT_EQ(dead, stale);
  std::optional<LockInfo> holder;
  store.CurrentLock(&holder);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(getpid(), holder->pid);
}

TEST(StateLock, ReusedPidIsNotTakenForTheHolder) {
  LockInfo me = ThisProcessLockInfo("apply");
  EXPECT_FALSE(LockIsStale(me));
  me.process_start += 1;  // same pid, another process
  EXPECT_TRUE(LockIsStale(me));
  me = ThisProcessLockInfo("apply");
  me.host = "another-host";
  me.pid = 999999;
  EXPECT_FALSE(LockIsStale(me));  // other hosts' processes cannot be seen
}

}  // namespace
}  // namespace occam
