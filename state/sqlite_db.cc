#include "state/sqlite_db.h"

#include <cerrno>
#include <cstring>

namespace occam {

SqliteDb::~SqliteDb() { Close(); }

void SqliteDb::Close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Status SqliteDb::Error(int rc, const std::string& what) const {
  std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  // "disk I/O error" alone does not say that the disk is full or the
  // folder read-only; the system's reason does.
  int system = db_ ? sqlite3_system_errno(db_) : 0;
  if ((rc & 0xff) == SQLITE_FULL || system == ENOSPC || system == EDQUOT) {
    detail += " (no space left on the device; free some and run again: "
              "nothing was lost)";
  } else if (system == EROFS || system == EACCES || system == EPERM) {
    detail += std::string(" (") + std::strerror(system) +
              ": occam needs to write the state file and the -wal and -shm "
              "files beside it)";
  } else if (system != 0 && ((rc & 0xff) == SQLITE_IOERR ||
                             (rc & 0xff) == SQLITE_CANTOPEN)) {
    detail += std::string(" (") + std::strerror(system) + ")";
  }
  // A full disk stops a write, whatever the statement was for.
  bool full = (rc & 0xff) == SQLITE_FULL || system == ENOSPC || system == EDQUOT;
  std::string message = (full ? std::string("cannot write") : what) + " " + path_ + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(message);
    case SQLITE_NOTFOUND:
    case SQLITE_CANTOPEN:
      return Status::IOError(message);
    default:
      return Status::IOError(message);
  }
}

Status SqliteDb::Open(const std::string& path, int flags,
                      const std::string& shown_as) {
  Close();
  path_ = shown_as.empty() ? path : shown_as;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Error(rc, "cannot open");
    Close();
    return s;
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another occam committing at the same moment is waited for, not failed.
  sqlite3_busy_timeout(db_, 10000);
  return Status::Ok();
}

bool SqliteDb::NotADatabase() {
  int rc = sqlite3_exec(db_, "PRAGMA schema_version", nullptr, nullptr, nullptr);
  return (rc & 0xff) == SQLITE_NOTADB;
}

Status SqliteDb::Exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, "cannot update");
}

Status SqliteDb::Prepare(const std::string& sql, SqliteStatement* out) {
  if (out->stmt_) sqlite3_finalize(out->stmt_);
  out->db_ = this;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &out->stmt_, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, "cannot read");
}

Status SqliteDb::QueryInt(const std::string& sql, int64_t* out) {
  SqliteStatement stmt;
  Status s = Prepare(sql, &stmt);
  if (!s.ok()) return s;
  if (!stmt.Step(&s)) return s.ok() ? Status::NotFound(sql) : s;
  *out = stmt.Int(0);
  return Status::Ok();
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void SqliteStatement::Bind(int i, const std::string& text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
}

void SqliteStatement::Bind(int i, int64_t value) {
  sqlite3_bind_int64(stmt_, i, value);
}

bool SqliteStatement::Step(Status* status) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  *status = rc == SQLITE_DONE ? Status::Ok() : db_->Error(rc, "cannot read");
  return false;
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), n) : "";
}

std::string_view SqliteStatement::View(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return text ? std::string_view(reinterpret_cast<const char*>(text), n)
              : std::string_view();
}

int64_t SqliteStatement::Int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

}  // namespace occam
