// The state as one SQLite file (default occam.db): WAL journal, one
// transaction per Commit so that a crash at any moment leaves the previous
// or the next serial, never a mix. A file that
// is not an occam state, is damaged, or has a newer schema is refused and
// never modified.
#pragma once

#include <memory>
#include <string>

#include "state/sqlite_db.h"
#include "state/state_location.h"
#include "state/state_store.h"

namespace occam {

class SqliteStateStore : public StateStore {
 public:
  static Status Open(const std::string& path, const StateOpenOptions& options,
                     std::unique_ptr<SqliteStateStore>* out);

  Status Load(StateSnapshot* out) override;
  Status Commit(const StateChange& change, int64_t* serial) override;
  Status Events(int limit, std::vector<Event>* out) override;
  Status TryLock(const LockInfo& me, LockInfo* holder) override;
  Status Unlock(const std::string& id) override;
  Status CurrentLock(std::optional<LockInfo>* holder) override;
  Status Replace(const StateSnapshot& state,
                 const std::vector<Event>& events) override;
  Status Compact() override;

  const std::string& path() const { return db_.path(); }

 private:
  SqliteStateStore() = default;

  Status Create(const StateOpenOptions& options);
  Status CheckAndUpgrade();
  Status OpenReadOnly(const std::string& path);
  // That the file is a state this occam reads as it is.
  Status CheckVersion();
  Status Migrate(int from_version);
  Status ReadLock(std::optional<LockInfo>* holder);
  Status WriteChange(const StateChange& change, int64_t* serial);
  // Runs `body` inside BEGIN IMMEDIATE … COMMIT, rolling back on failure.
  template <typename Body>
  Status Transaction(Body&& body);

  SqliteDb db_;
  // Statements of WriteChange, prepared on first use: apply commits
  // thousands of small changes.
  SqliteStatement remove_, put_, desired_, clear_, event_;
  SqliteStatement begin_, commit_, rollback_, bump_serial_, read_serial_;
  bool prepared_ = false;
  Status Prepare();
  Status Run(SqliteStatement* statement);
};

}  // namespace occam
