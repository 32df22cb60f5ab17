// StateStore is where occam keeps what it has built: the public contract
// of the state, implemented by SqliteStateStore (the real one, a file) and
// MemoryStateStore (for tests of the layers above). Every implementation
// passes state_store_conformance_test.cc.
//
// A store is used by one thread at a time; separate processes coordinate
// through the lock (see state_lock.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "state/state_snapshot.h"

namespace occam {

// Who holds the state lock, as the holder recorded it.
struct LockInfo {
  std::string id;         // UUID; what force-unlock takes
  std::string operation;  // "plan", "apply", "scale" …
  std::string who;        // user@host
  std::string host;
  int pid = 0;
  // The holder's process start time (clock ticks since boot, from
  // /proc/PID/stat), so that a reused pid is not taken for the holder.
  int64_t process_start = 0;
  int64_t since_ms = 0;  // Unix time in milliseconds

  bool operator==(const LockInfo&) const = default;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Reads the whole state.
  virtual Status Load(StateSnapshot* out) = 0;

  // Records `change` and the next serial atomically: afterwards either all
  // of it is stored or none of it, whatever happens to the process. Sets
  // `*serial` to the new serial. Events get ids and, when 0, times.
  virtual Status Commit(const StateChange& change, int64_t* serial) = 0;

  // The event log, newest first; at most `limit` entries (0: all).
  virtual Status Events(int limit, std::vector<Event>* out) = 0;

  // Takes the lock for `me` when it is free. When someone holds it, returns
  // Busy and sets `*holder`.
  virtual Status TryLock(const LockInfo& me, LockInfo* holder) = 0;
  // Releases the lock if `id` holds it; NotFound otherwise.
  virtual Status Unlock(const std::string& id) = 0;
  // The current holder, if any.
  virtual Status CurrentLock(std::optional<LockInfo>* holder) = 0;

  // occam serve's leadership, for a store several serves may share (a
  // database whose connections hold locks for their life): taken on this
  // handle's connection when free, and held until the connection ends.
  // Busy while another holds it; InvalidArgument for a store that keeps
  // one serve per state (a file).
  virtual Status TryLead() {
    return Status::InvalidArgument("this state keeps one occam serve");
  }
  // After TryLead succeeded: OK while the leadership is still held (its
  // connection lives); Unavailable once it is lost, as when the database
  // restarted or ended the connection — a standby may lead by then.
  virtual Status StillLeads() {
    return Status::InvalidArgument("this state keeps one occam serve");
  }

  // OK when the last Load could read every secret of the state; otherwise
  // (its secrets are sealed with a key this handle was not given) says
  // which key is missing and how to give it. Commands that hand secrets to
  // providers check it before they change anything.
  virtual Status SecretsReadable() const { return Status::Ok(); }

  // Rewrites the store so that no deleted or overwritten row remains
  // readable in it (what `occam state rekey` runs after sealing secrets
  // that were stored in plain text): SQLite vacuums its file and empties
  // its write-ahead log; PostgreSQL rewrites the tables that hold secrets
  // (VACUUM FULL).
  virtual Status Compact() { return Status::Ok(); }

  // Makes this state a copy of another: its identity (lineage, infra_id,
  // serial), instances, counts, settings and `events` (oldest first, their
  // ids and times kept), atomically; the lock is left as it is. What
  // `occam state migrate` writes with.
  virtual Status Replace(const StateSnapshot& state,
                         const std::vector<Event>& events) = 0;
};

}  // namespace occam
