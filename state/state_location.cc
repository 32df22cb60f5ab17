#include "state/state_location.h"

#include "state/postgres_state_store.h"
#include "state/sealing_state_store.h"
#include "state/sqlite_state_store.h"

namespace occam {
namespace {

constexpr char kDefaultSchema[] = "occam";

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Lower-case letters, digits and '_', not starting with a digit or pg_
// (PostgreSQL reserves those), at most 63 bytes (its NAMEDATALEN - 1).
Status CheckSchemaName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 63 && !StartsWith(name, "pg_") &&
            !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "'" + name + "' is not a schema occam uses for a state; write schema= "
      "with lower-case letters, digits and _ (at most 63, not starting with "
      "a digit or pg_)");
}

}  // namespace

bool IsPostgresLocation(const std::string& location) {
  return StartsWith(location, "postgres://") ||
         StartsWith(location, "postgresql://");
}

std::string ShownLocation(const std::string& location) {
  if (!IsPostgresLocation(location)) return location;
  std::string out = location;
  // userinfo: scheme://user:password@host
  size_t start = out.find("://") + 3;
  size_t at = out.find('@', start);
  size_t slash = out.find('/', start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    size_t colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ?password=…
  size_t query = out.find('?');
  for (size_t p = query; p != std::string::npos; p = out.find('&', p + 1)) {
    if (out.compare(p + 1, 9, "password=") != 0) continue;
    size_t end = out.find('&', p + 1);
    out.replace(p + 10, (end == std::string::npos ? out.size() : end) - p - 10,
                "***");
  }
  return out;
}

Status ParsePostgresLocation(const std::string& location,
                             PostgresLocation* out) {
  out->schema = kDefaultSchema;
  out->shown = ShownLocation(location);
  size_t query = location.find('?');
  out->conninfo = location.substr(0, query);
  if (query == std::string::npos) return Status::Ok();
  std::string kept;
  size_t start = query + 1;
  while (start <= location.size()) {
    size_t end = location.find('&', start);
    if (end == std::string::npos) end = location.size();
    std::string pair = location.substr(start, end - start);
    if (StartsWith(pair, "schema=")) {
      out->schema = pair.substr(7);
    } else if (!pair.empty()) {
      kept += (kept.empty() ? "?" : "&") + pair;
    }
    start = end + 1;
  }
  out->conninfo += kept;
  return CheckSchemaName(out->schema);
}

namespace {

Status OpenPlainStore(const std::string& location,
                      const StateOpenOptions& options,
                      std::unique_ptr<StateStore>* out) {
  if (IsPostgresLocation(location)) {
    std::unique_ptr<PostgresStateStore> store;
    Status s = PostgresStateStore::Open(location, options, &store);
    if (s.ok()) *out = std::move(store);
    return s;
  }
  std::unique_ptr<SqliteStateStore> store;
  Status s = SqliteStateStore::Open(location, options, &store);
  if (s.ok()) *out = std::move(store);
  return s;
}

}  // namespace

Status OpenStateStore(const std::string& location,
                      const StateOpenOptions& options,
                      std::unique_ptr<StateStore>* out) {
  std::unique_ptr<StateStore> store;
  Status s = OpenPlainStore(location, options, &store);
  if (s.ok()) {
    *out = std::make_unique<SealingStateStore>(std::move(store), options.keys);
  }
  return s;
}

}  // namespace occam
