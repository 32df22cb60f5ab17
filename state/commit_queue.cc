#include "state/commit_queue.h"

#include <utility>
#include <vector>

namespace occam {

CommitQueue::CommitQueue(StateStore* store, StateSnapshot snapshot)
    : store_(store), snapshot_(std::move(snapshot)) {}

Status CommitQueue::Commit(StateChange change) {
  auto writer = std::make_shared<Writer>();
  writer->change = std::move(change);
  std::unique_lock<std::mutex> lock(mu_);
  Enqueue(writer, &lock);
  writer->cv.wait(lock, [&] { return writer->finished; });
  return writer->status;
}

void CommitQueue::CommitThen(StateChange change, Done done) {
  auto writer = std::make_shared<Writer>();
  writer->change = std::move(change);
  writer->done = std::move(done);
  std::unique_lock<std::mutex> lock(mu_);
  Enqueue(std::move(writer), &lock);
}

int CommitQueue::transactions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return transactions_;
}

void CommitQueue::Enqueue(std::shared_ptr<Writer> writer,
                          std::unique_lock<std::mutex>* lock) {
  queue_.push_back(std::move(writer));
  if (!leading_) Lead(lock);
}

void CommitQueue::Lead(std::unique_lock<std::mutex>* lock) {
  leading_ = true;
  while (!queue_.empty()) CommitBatch(lock);
  leading_ = false;
}

void CommitQueue::CommitBatch(std::unique_lock<std::mutex>* lock) {
  std::vector<std::shared_ptr<Writer>> members(queue_.begin(), queue_.end());
  queue_.clear();
  StateChange batch;
  for (const auto& w : members) {
    StateChange& c = w->change;
    for (ResourceInstance& r : c.put) {
      // -1: "the serial of the commit that records it".
      if (r.created_serial < 0) r.created_serial = snapshot_.serial + 1;
      batch.put.push_back(std::move(r));
    }
    for (std::string& a : c.remove) batch.remove.push_back(std::move(a));
    for (const auto& [node, count] : c.set_desired) batch.set_desired[node] = count;
    for (std::string& n : c.clear_desired) batch.clear_desired.push_back(std::move(n));
    for (Event& e : c.events) batch.events.push_back(std::move(e));
    for (auto& [key, value] : c.set_settings) batch.set_settings[key] = value;
  }
  int n = ++transactions_;
  lock->unlock();

  if (hook_) hook_(n, false);
  int64_t serial = 0;
  Status s = store_->Commit(batch, &serial);

  lock->lock();
  if (s.ok()) {
    ApplyChange(std::move(batch), &snapshot_);
    snapshot_.serial = serial;
  }
  if (hook_) hook_(n, true);
  for (const auto& w : members) {
    w->status = s;
    w->finished = true;
  }
  lock->unlock();
  // Outside the lock: a continuation may take other locks, or queue more.
  for (const auto& w : members) {
    if (w->done) {
      w->done(s);
    } else {
      w->cv.notify_one();
    }
  }
  lock->lock();
}

}  // namespace occam
