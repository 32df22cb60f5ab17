#include "state/commit_queue.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "state/memory_state_store.h"

namespace occam {
namespace {

ResourceInstance Instance(int index) {
  ResourceInstance r;
  r.node = "app";
  r.index = index;
  r.address = InstanceAddress("app", index);
  r.created_serial = -1;
  return r;
}

StateChange Put(int index) {
  StateChange c;
  c.put.push_back(Instance(index));
  return c;
}

// A store whose first commit waits until the test opens the gate, so that
// the test can queue changes while a transaction runs; and that fails
// commits on request.
class GatedStore : public MemoryStateStore {
 public:
  GatedStore() : MemoryStateStore("lineage", "infra") {}

  Status Commit(const StateChange& change, int64_t* serial) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      sizes_.push_back(static_cast<int>(change.put.size()));
      if (fail_) return Status::Internal("disk full");
    }
    return MemoryStateStore::Commit(change, serial);
  }

  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void set_open(bool open) { open_ = open; }
  void set_fail(bool fail) { fail_ = fail; }
  // Instances put by each transaction, in order.
  std::vector<int> sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
  bool fail_ = false;
  std::vector<int> sizes_;
};

TEST(CommitQueue, CommitIsDurableAndMirroredWithItsSerial) {
  GatedStore store;
  store.set_open(true);
  CommitQueue queue(&store, StateSnapshot());
  ASSERT_TRUE(queue.Commit(Put(0)).ok());
  ASSERT_TRUE(queue.Commit(Put(1)).ok());

  StateSnapshot stored;
  ASSERT_TRUE(store.Load(&stored).ok());
  EXPECT_EQ(2, stored.serial);
  EXPECT_EQ(2, stored.instances.at("app[1]").created_serial);
  queue.Inspect([&](const StateSnapshot& s) {
    EXPECT_EQ(2, s.serial);
    EXPECT_EQ(stored.instances, s.instances);
  });
  EXPECT_EQ(2, queue.transactions());
}

TEST(CommitQueue, CommitThenWithNoCommitRunningCommitsBeforeReturning) {
  GatedStore store;
  store.set_open(true);
  CommitQueue queue(&store, StateSnapshot());
  std::thread::id committer;
  Status seen = Status::Internal("not called");
  queue.CommitThen(Put(0), [&](const Status& s) {
    committer = std::this_thread::get_id();
    seen = s;
  });
  EXPECT_TRUE(seen.ok()) << seen.message();
  EXPECT_EQ(std::this_thread::get_id(), committer);
  queue.Inspect([](const StateSnapshot& s) {
    EXPECT_EQ(1u, s.instances.count("app[0]"));
  });
}

// What is queued while a transaction runs goes into the next one, in
// order; a continuation runs only after its change is stored.
TEST(CommitQueue, ChangesQueuedDuringACommitShareTheNextTransaction) {
  GatedStore store;
  CommitQueue queue(&store, StateSnapshot());
  std::thread first([&] { EXPECT_TRUE(queue.Commit(Put(0)).ok()); });
  store.WaitEntered(1);

  std::vector<int64_t> serials_seen;
  std::mutex seen_mu;
  for (int i : {1, 2}) {
    queue.CommitThen(Put(i), [&, i](const Status& s) {
      EXPECT_TRUE(s.ok());
      StateSnapshot stored;
      EXPECT_TRUE(store.Load(&stored).ok());
      std::lock_guard<std::mutex> lock(seen_mu);
      serials_seen.push_back(stored.instances.at(InstanceAddress("app", i))
                                 .created_serial);
    });
  }
  std::thread waiter([&] { EXPECT_TRUE(queue.Commit(Put(3)).ok()); });
  // The waiter's change goes into the second or a third transaction,
  // whichever it reaches.
  store.Open();
  first.join();
  waiter.join();

  EXPECT_EQ((std::vector<int64_t>{2, 2}), serials_seen);
  std::vector<int> sizes = store.sizes();
  ASSERT_LE(2u, sizes.size());
  EXPECT_EQ(1, sizes[0]);
  // app[1] and app[2] at least were queued before the gate opened.
  EXPECT_LE(2, sizes[1]);
  StateSnapshot stored;
  ASSERT_TRUE(store.Load(&stored).ok());
  EXPECT_EQ(4u, stored.instances.size());
  EXPECT_EQ(static_cast<int64_t>(sizes.size()), stored.serial);
}

TEST(CommitQueue, AFailedCommitReachesEveryMemberAndChangesNothing) {
  GatedStore store;
  store.set_open(true);
  store.set_fail(true);
  CommitQueue queue(&store, StateSnapshot());
  Status then;
  queue.CommitThen(Put(0), [&](const Status& s) { then = s; });
  EXPECT_EQ("disk full", then.message());
  EXPECT_EQ("disk full", queue.Commit(Put(1)).message());
  queue.Inspect([](const StateSnapshot& s) {
    EXPECT_TRUE(s.instances.empty());
    EXPECT_EQ(0, s.serial);
  });
  store.set_fail(false);
  EXPECT_TRUE(queue.Commit(Put(2)).ok());
  queue.Inspect([](const StateSnapshot& s) { EXPECT_EQ(1, s.serial); });
}

TEST(CommitQueue, HookSeesEachTransactionBeforeAndAfterWriting) {
  GatedStore store;
  store.set_open(true);
  CommitQueue queue(&store, StateSnapshot());
  std::vector<std::pair<int, int64_t>> calls;  // (n, serial stored)
  queue.set_hook([&](int n, bool written) {
    StateSnapshot stored;
    EXPECT_TRUE(store.Load(&stored).ok());
    calls.push_back({written ? n : -n, stored.serial});
  });
  ASSERT_TRUE(queue.Commit(Put(0)).ok());
  ASSERT_TRUE(queue.Commit(Put(1)).ok());
  EXPECT_EQ((std::vector<std::pair<int, int64_t>>{{-1, 0}, {1, 1}, {-2, 1}, {2, 2}}),
            calls);
}

}  // namespace
}  // namespace occam
