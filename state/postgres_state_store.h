// The state in a PostgreSQL database: one schema per state (its tables
// created on first use), one transaction per Commit, as SqliteStateStore.
// The lock is a session advisory lock keyed by the schema's oid (so states
// in other schemas never wait for it) plus a row saying who holds it: when
// the holder's connection ends, kill -9 included, the lock is free, and a
// row left behind is replaced by the next holder.
#pragma once

#include <memory>
#include <string>

#include "state/postgres_db.h"
#include "state/state_location.h"
#include "state/state_store.h"

namespace occam {

class PostgresStateStore : public StateStore {
 public:
  // `location`: postgres://… or postgresql://… (see state_location.h).
  static Status Open(const std::string& location,
                     const StateOpenOptions& options,
                     std::unique_ptr<PostgresStateStore>* out);

  Status Load(StateSnapshot* out) override;
  Status Commit(const StateChange& change, int64_t* serial) override;
  Status Events(int limit, std::vector<Event>* out) override;
  Status TryLock(const LockInfo& me, LockInfo* holder) override;
  Status Unlock(const std::string& id) override;
  Status CurrentLock(std::optional<LockInfo>* holder) override;
  Status Replace(const StateSnapshot& state,
                 const std::vector<Event>& events) override;
  Status Compact() override;
  Status TryLead() override;
  Status StillLeads() override;

  // "postgres://host/db (schema occam)", without a password.
  std::string shown() const;
  const std::string& schema() const { return schema_; }
  // Drops the state's schema and everything in it (tests, state migrate).
  Status DropSchema();

 private:
  PostgresStateStore() = default;

  Status Create(const StateOpenOptions& options, bool* exists);
  Status ReadLockKey();
  Status ReadLockRow(std::optional<LockInfo>* holder);
  // The backend pid holding the advisory lock, 0 when it is free.
  Status AdvisoryHolder(int* backend_pid);
  // The statement that inserts or replaces `instance`.
  PostgresDb::Statement PutInstance(const ResourceInstance& instance) const;
  // Runs `body` inside BEGIN … COMMIT, rolling back on failure.
  template <typename Body>
  Status Transaction(Body&& body);
  // schema-qualified table name
  std::string Table(const char* name) const;

  PostgresDb db_;
  std::string schema_;
  std::string shown_;
  int64_t lock_key_ = 0;
  // The id of the lock this connection holds, "" when none.
  std::string held_;
};

}  // namespace occam
