#include "state/postgres_db.h"

#include <algorithm>
#include <cstdlib>

namespace occam {
namespace {

// The first line of a libpq message, without its trailing newline.
std::string OneLine(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// SQLSTATE classes (PostgreSQL's appendix A) as occam's categories.
Status::Code CodeOf(const char* sqlstate) {
  std::string state = sqlstate ? sqlstate : "";
  if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 ||
      state == "53300") {
    return Status::Code::kUnavailable;  // connection, shutdown, too many
  }
  if (state == "40001" || state == "40P01" || state == "55P03") {
    return Status::Code::kBusy;  // serialization, deadlock, lock not free
  }
  if (state == "42501" || state == "25006") return Status::Code::kIOError;
  if (state.rfind("XX", 0) == 0) return Status::Code::kCorruption;
  return Status::Code::kInternal;
}

Status Make(Status::Code code, std::string message) {
  switch (code) {
    case Status::Code::kUnavailable: return Status::Unavailable(message);
    case Status::Code::kBusy: return Status::Busy(message);
    case Status::Code::kIOError: return Status::IOError(message);
    case Status::Code::kCorruption: return Status::Corruption(message);
    default: return Status::Internal(message);
  }
}

// The server's notices ("schema … already exists, skipping") are not for
// occam's users.
void IgnoreNotice(void*, const char*) {}

}  // namespace

std::string PostgresResult::Text(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  return std::string(value, PQgetlength(result_.get(), row, column));
}

int64_t PostgresResult::Int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

bool PostgresResult::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

int64_t PostgresResult::Changed() const {
  return result_ ? std::strtoll(PQcmdTuples(result_.get()), nullptr, 10) : 0;
}

PostgresDb::~PostgresDb() {
  if (conn_) PQfinish(conn_);
}

Status PostgresDb::Connect(const std::string& conninfo,
                           const std::string& shown_as) {
  shown_as_ = shown_as;
  if (conn_) PQfinish(conn_);
  // Keys before the expanded connection string are defaults it may
  // override (a 10 s connect timeout, occam's name in pg_stat_activity
  // unless PGAPPNAME names it); keys after it override it: occam always
  // speaks UTF-8.
  const char* app = std::getenv("PGAPPNAME");
  const char* keys[] = {"connect_timeout", "application_name", "dbname",
                        "client_encoding", nullptr};
  const char* values[] = {"10", app && *app ? app : "occam", conninfo.c_str(),
                          "UTF8", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_) return Status::Unavailable("out of memory connecting to " + shown_as);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable("cannot connect to the state database " +
                               shown_as + ": " + OneLine(PQerrorMessage(conn_)));
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  return Status::Ok();
}

bool PostgresDb::Connected() const {
  return conn_ && PQstatus(conn_) == CONNECTION_OK;
}

Status PostgresDb::Error(const std::string& what, PGresult* result) const {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? OneLine(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = OneLine(PQerrorMessage(conn_));
  Status::Code code = sqlstate ? CodeOf(sqlstate)
                      : PQstatus(conn_) != CONNECTION_OK ? Status::Code::kUnavailable
                                                         : Status::Code::kInternal;
  return Make(code, what + " in the state database " + shown_as_ + ": " + message);
}

Status PostgresDb::Exec(const std::string& sql,
                        const std::vector<std::optional<std::string>>& params,
                        PostgresResult* out) {
  if (!conn_) return Status::Internal("the state database is not connected");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* result = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0);
  ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    Status s = Error("a statement failed", result);
    PQclear(result);
    return s;
  }
  if (out) {
    *out = PostgresResult(result);
  } else {
    PQclear(result);
  }
  return Status::Ok();
}

Status PostgresDb::ExecScript(const std::string& sql) {
  if (!conn_) return Status::Internal("the state database is not connected");
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  Status s = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                 ? Status::Ok()
                 : Error("a statement failed", result);
  PQclear(result);
  return s;
}

// Statements between two synchronization points of a pipeline run in one
// implicit transaction. Larger batches are sent in pieces inside an
// explicit one, so that neither side fills its socket buffer waiting for
// the other to read.
constexpr size_t kPipelineBatch = 256;

Status PostgresDb::ExecAtomically(const std::vector<Statement>& statements,
                                  PostgresResult* last) {
  if (!conn_) return Status::Internal("the state database is not connected");
  if (statements.size() <= kPipelineBatch) {
    return Pipeline(statements.data(), statements.size(), last);
  }
  Status s = Exec("BEGIN");
  for (size_t i = 0; s.ok() && i < statements.size(); i += kPipelineBatch) {
    size_t n = std::min(kPipelineBatch, statements.size() - i);
    s = Pipeline(statements.data() + i, n, last);
  }
  if (s.ok()) return Exec("COMMIT");
  Exec("ROLLBACK");
  return s;
}

Status PostgresDb::Pipeline(const Statement* statements, size_t count,
                            PostgresResult* last) {
  if (PQenterPipelineMode(conn_) != 1) return Error("cannot start a pipeline", nullptr);
  Status s;
  size_t sent = 0;
  for (; sent < count; ++sent) {
    const Statement& st = statements[sent];
    std::vector<const char*> values;
    for (const auto& p : st.params) values.push_back(p ? p->c_str() : nullptr);
    if (!PQsendQueryParams(conn_, st.sql.c_str(), static_cast<int>(values.size()),
                           nullptr, values.data(), nullptr, nullptr, 0)) {
      s = Error("cannot send a statement", nullptr);
      break;
    }
  }
  if (PQpipelineSync(conn_) != 1 && s.ok()) s = Error("cannot send a statement", nullptr);
  // Every statement sent has a result (or an abort) and then a NULL; the
  // synchronization point ends the pipeline.
  for (;;) {
    PGresult* result = PQgetResult(conn_);
    if (!result) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        if (s.ok()) s = Error("the connection ended", nullptr);
        break;
      }
      continue;
    }
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      break;
    }
    if (status == PGRES_FATAL_ERROR && s.ok()) {
      s = Error("a statement failed", result);
    }
    if ((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) && last) {
      *last = PostgresResult(result);
    } else {
      PQclear(result);
    }
  }
  PQexitPipelineMode(conn_);
  return s;
}

std::string QuoteIdentifier(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace occam
