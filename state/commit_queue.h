// CommitQueue commits StateChanges to a StateStore from many threads at
// once. Changes queued while a transaction runs are committed together in
// the next one (LevelDB's write path): whichever caller finds no commit
// running leads, and keeps committing until the queue is empty; the others
// wait for their change, or, with CommitThen, do not wait at all.
//
// The queue also keeps the snapshot its commits make, so that callers see
// the state as committed without reading the store.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "base/status.h"
#include "state/state_snapshot.h"
#include "state/state_store.h"

namespace occam {

class CommitQueue {
 public:
  // Runs after a change is committed (or failed), with the commit's status.
  using Done = std::function<void(const Status&)>;
  // Called before (written = false) and after (written = true) the Nth
  // transaction of this queue, counted from 1: fault injection for tests.
  using Hook = std::function<void(int n, bool written)>;

  // `snapshot` is the state `store` holds now.
  CommitQueue(StateStore* store, StateSnapshot snapshot);
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Returns once `change` is committed: its status.
  Status Commit(StateChange change);

  // Queues `change` and returns; `done` runs once it is committed, on the
  // thread that committed it (this one, when no commit was running), with
  // no lock of the queue held. A change gets a serial after every change
  // queued before it. `done` may call CommitThen, not Commit: the thread
  // running it leads the queue, and Commit would wait for itself.
  void CommitThen(StateChange change, Done done);

  // Calls `read` with the snapshot, under the queue's lock: keep it short,
  // and do not call the queue from it.
  template <typename Read>
  auto Inspect(Read read) const {
    std::lock_guard<std::mutex> lock(mu_);
    return read(static_cast<const StateSnapshot&>(snapshot_));
  }

  void set_hook(Hook hook) { hook_ = std::move(hook); }
  // Transactions so far.
  int transactions() const;

 private:
  struct Writer {
    StateChange change;
    Done done;  // empty: a thread waits in Commit
    Status status;
    bool finished = false;
    std::condition_variable cv;
  };

  // Queues `writer`; leads when no commit is running.
  void Enqueue(std::shared_ptr<Writer> writer,
               std::unique_lock<std::mutex>* lock);
  // Commits batches until the queue is empty. REQUIRES: lock held.
  void Lead(std::unique_lock<std::mutex>* lock);
  // One transaction of everything queued now. REQUIRES: lock held.
  void CommitBatch(std::unique_lock<std::mutex>* lock);

  StateStore* const store_;
  Hook hook_;
  mutable std::mutex mu_;
  StateSnapshot snapshot_;  // guarded by mu_
  std::deque<std::shared_ptr<Writer>> queue_;
  bool leading_ = false;  // a thread is in Lead()
  int transactions_ = 0;
};

}  // namespace occam
