// A thin RAII layer over the SQLite C API that reports failures as Status.
// Only what the state store needs.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "base/status.h"

namespace occam {

class SqliteStatement;

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // `flags` as for sqlite3_open_v2.
  Status Open(const std::string& path, int flags,
              const std::string& shown_as = "");
  void Close();
  // Runs one or more statements that return no rows.
  Status Exec(const std::string& sql);
  Status Prepare(const std::string& sql, SqliteStatement* out);
  // The single integer a query like "PRAGMA user_version" returns.
  Status QueryInt(const std::string& sql, int64_t* out);
  // Whether the open file is not an SQLite database (SQLite reads the
  // header on first use, and writes nothing to a file it does not know).
  bool NotADatabase();
  // Turns SQLite's error code `rc` into a Status naming what was done.
  Status Error(int rc, const std::string& what) const;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class SqliteStatement {
 public:
  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds by 1-based position.
  void Bind(int i, const std::string& text);
  void Bind(int i, int64_t value);
  // Advances; true when a row is available. On error returns false and sets
  // `*status`.
  bool Step(Status* status);
  // Resets for another execution with new bindings.
  void Reset();

  std::string Text(int column) const;
  // The same text without a copy: valid until the next Step.
  std::string_view View(int column) const;
  int64_t Int(int column) const;

 private:
  friend class SqliteDb;
  SqliteDb* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace occam
