// A thin RAII layer over libpq (PostgreSQL's C client library) that reports
// failures as Status. Only what the PostgreSQL state store needs: one
// connection, statements with text parameters, results read as text.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

// One result of a statement; rows and columns as text.
class PostgresResult {
 public:
  PostgresResult() = default;
  explicit PostgresResult(PGresult* result) : result_(result, PQclear) {}

  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool IsNull(int row, int column) const;
  // How many rows an INSERT, UPDATE or DELETE changed.
  int64_t Changed() const;

 private:
  std::shared_ptr<PGresult> result_;
};

class PostgresDb {
 public:
  PostgresDb() = default;
  ~PostgresDb();
  PostgresDb(const PostgresDb&) = delete;
  PostgresDb& operator=(const PostgresDb&) = delete;

  // Connects with libpq's connection string (a postgres:// URI or
  // key=value pairs; PG* environment variables fill what it leaves out).
  // `shown_as` names the database in messages (never with a password).
  Status Connect(const std::string& conninfo, const std::string& shown_as);
  // Runs `sql` with text parameters (NULL for std::nullopt).
  Status Exec(const std::string& sql,
              const std::vector<std::optional<std::string>>& params = {},
              PostgresResult* out = nullptr);
  // Runs several statements in one round trip (no parameters).
  Status ExecScript(const std::string& sql);

  struct Statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;
  };
  // Runs `statements` as one transaction, in as few round trips as libpq's
  // pipeline mode allows; sets `*last` to the last statement's result.
  Status ExecAtomically(const std::vector<Statement>& statements,
                        PostgresResult* last);
  // Whether the connection still works (false after the server ended it).
  bool Connected() const;

  const std::string& shown_as() const { return shown_as_; }

 private:
  Status Error(const std::string& what, PGresult* result) const;
  // Sends `statements` in pipeline mode and reads their results up to the
  // synchronization point.
  Status Pipeline(const Statement* statements, size_t count,
                  PostgresResult* last);

  PGconn* conn_ = nullptr;
  std::string shown_as_;
};

// `value` as a PostgreSQL identifier in double quotes.
std::string QuoteIdentifier(const std::string& value);

}  // namespace occam
