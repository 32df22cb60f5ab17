#include "state/postgres_state_store.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/uuid.h"
#include "state/state_columns.h"
#include "state/state_lock.h"

namespace occam {
namespace {

using nlohmann::json;
using Params = std::vector<std::optional<std::string>>;

// The schema's tables; PostgreSQL's version of state_schema.cc. Its
// version is kept in meta (schema_version) and upgrades go in order, as
// SQLite's.
constexpr int kPostgresSchemaVersion = 1;

std::string SchemaDdl(const std::string& s) {
  return "CREATE TABLE IF NOT EXISTS " + s + ".meta (key text PRIMARY KEY, value text NOT NULL);"
         "CREATE TABLE IF NOT EXISTS " + s + ".instances ("
         " address text PRIMARY KEY, node text NOT NULL, idx integer NOT NULL,"
         " provider text NOT NULL, provider_id text NOT NULL, status text NOT NULL,"
         " attributes text NOT NULL, outputs text NOT NULL,"
         " created_serial bigint NOT NULL, tags text NOT NULL,"
         " dependencies text NOT NULL, remove_requested integer NOT NULL,"
         " sensitive text NOT NULL, deposed text NOT NULL);"
         "CREATE TABLE IF NOT EXISTS " + s + ".desired_counts ("
         " node text PRIMARY KEY, count integer NOT NULL);"
         "CREATE TABLE IF NOT EXISTS " + s + ".events ("
         " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
         " time_ms bigint NOT NULL, kind text NOT NULL, node text NOT NULL,"
         " message text NOT NULL, detail text NOT NULL);"
         "CREATE TABLE IF NOT EXISTS " + s + ".lock ("
         " singleton integer PRIMARY KEY CHECK (singleton = 1),"
         " id text NOT NULL, operation text NOT NULL, who text NOT NULL,"
         " host text NOT NULL, pid integer NOT NULL,"
         " process_start bigint NOT NULL, since_ms bigint NOT NULL);";
}

// Advisory locks of occam: the high half of the key is "ocam", the low
// half the state's schema oid, unique within the database.
constexpr int64_t kLockClass = 0x6f63616d;
// occam serve's leadership of the state: "olea".
constexpr int64_t kLeadClass = 0x6f6c6561;
// Creating a schema is serialized by a transaction lock of this class.
constexpr int64_t kCreateClass = 0x6f636372;

constexpr char kSettingPrefix[] = "setting:";

std::string Int(int64_t value) { return std::to_string(value); }

// How long a holder of this host that has ended may still hold the
// advisory lock: its server process notices the closed socket at once.
constexpr auto kDeadHolderGrace = std::chrono::seconds(2);

}  // namespace

std::string PostgresStateStore::Table(const char* name) const {
  return QuoteIdentifier(schema_) + "." + name;
}

std::string PostgresStateStore::shown() const {
  return shown_ + " (schema " + schema_ + ")";
}

template <typename Body>
Status PostgresStateStore::Transaction(Body&& body) {
  Status s = db_.Exec("BEGIN");
  if (!s.ok()) return s;
  s = body();
  if (s.ok()) s = db_.Exec("COMMIT");
  if (!s.ok()) db_.Exec("ROLLBACK");
  return s;
}

Status PostgresStateStore::Open(const std::string& location,
                                const StateOpenOptions& options,
                                std::unique_ptr<PostgresStateStore>* out) {
  PostgresLocation where;
  Status s = ParsePostgresLocation(location, &where);
  if (!s.ok()) return s;
  std::unique_ptr<PostgresStateStore> store(new PostgresStateStore());
  store->schema_ = where.schema;
  store->shown_ = where.shown;
  s = store->db_.Connect(where.conninfo, store->shown());
  // As SQLite's synchronous=NORMAL: every commit survives occam's crash
  // (the server has it); a crash of the server itself may undo the last
  // fraction of a second of commits, never half of one.
  if (s.ok()) s = store->db_.Exec("SET synchronous_commit = off");
  if (!s.ok()) return s;
  PostgresResult exists;
  s = store->db_.Exec("SELECT to_regclass($1) IS NOT NULL",
                      {store->Table("meta")}, &exists);
  if (!s.ok()) return s;
  bool found = exists.Text(0, 0) == "t";
  if (!found && (options.read_only || !options.create_if_missing)) {
    return Status::NotFound("no state found at " + store->shown() +
                            "; run occam plan or apply to create one");
  }
  if (!found) s = store->Create(options, &found);
  if (!s.ok()) return s;
  PostgresResult version;
  s = store->db_.Exec("SELECT value FROM " + store->Table("meta") +
                          " WHERE key = 'schema_version'",
                      {}, &version);
  if (!s.ok()) return s;
  int64_t v = version.rows() ? version.Int(0, 0) : 0;
  if (v != kPostgresSchemaVersion) {
    return Status::InvalidArgument(
        store->shown() + " has state schema version " + Int(v) +
        " and this occam reads " + Int(kPostgresSchemaVersion) +
        "; it has not been changed" +
        (v > kPostgresSchemaVersion ? ". Upgrade occam" : ""));
  }
  if (options.read_only) s = store->db_.Exec("SET default_transaction_read_only = on");
  if (s.ok()) s = store->ReadLockKey();
  if (!s.ok()) return s;
  *out = std::move(store);
  return Status::Ok();
}

Status PostgresStateStore::Create(const StateOpenOptions& options, bool* exists) {
  return Transaction([&]() -> Status {
    // Two occams creating the same state at once: the second waits here
    // and then finds the first one's.
    Status s = db_.Exec("SELECT pg_advisory_xact_lock($1::bigint << 32 | (hashtext($2)::bigint & 4294967295))",
                        {Int(kCreateClass), schema_});
    // A schema made beforehand (by an administrator, for a user who may
    // not create schemas) is used as it is.
    PostgresResult found;
    if (s.ok()) {
      s = db_.Exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema_}, &found);
    }
    if (s.ok() && found.rows() == 0) {
      s = db_.ExecScript("CREATE SCHEMA " + QuoteIdentifier(schema_));
    }
    if (s.ok()) s = db_.ExecScript(SchemaDdl(QuoteIdentifier(schema_)));
    if (!s.ok()) return s;
    std::string infra_id = options.infra_id.empty() ? NewUuid() : options.infra_id;
    for (auto [key, value] :
         {std::pair{"lineage", NewUuid()}, std::pair{"serial", std::string("0")},
          std::pair{"infra_id", infra_id},
          std::pair{"schema_version", Int(kPostgresSchemaVersion)}}) {
      s = db_.Exec("INSERT INTO " + Table("meta") +
                       " (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                   {std::string(key), value});
      if (!s.ok()) return s;
    }
    *exists = true;
    return Status::Ok();
  });
}

Status PostgresStateStore::ReadLockKey() {
  PostgresResult oid;
  Status s = db_.Exec("SELECT oid::bigint FROM pg_namespace WHERE nspname = $1",
                      {schema_}, &oid);
  if (!s.ok()) return s;
  if (oid.rows() != 1) return Status::NotFound("no schema " + schema_ + " in " + shown_);
  lock_key_ = (kLockClass << 32) | oid.Int(0, 0);
  return Status::Ok();
}

Status PostgresStateStore::Load(StateSnapshot* out) {
  *out = StateSnapshot();
  Status s = db_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!s.ok()) return s;
  PostgresResult meta, rows, counts;
  s = db_.Exec("SELECT key, value FROM " + Table("meta"), {}, &meta);
  if (s.ok()) {
    s = db_.Exec(
        "SELECT address, node, idx, provider, provider_id, status, attributes, "
        "outputs, created_serial, tags, dependencies, remove_requested, "
        "sensitive, deposed FROM " + Table("instances") + " ORDER BY address",
        {}, &rows);
  }
  if (s.ok()) s = db_.Exec("SELECT node, count FROM " + Table("desired_counts"), {}, &counts);
  db_.Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  if (!s.ok()) return s;
  for (int r = 0; r < meta.rows(); ++r) {
    std::string key = meta.Text(r, 0), value = meta.Text(r, 1);
    if (key == "lineage") out->lineage = value;
    if (key == "infra_id") out->infra_id = value;
    if (key == "serial") out->serial = meta.Int(r, 1);
    if (key.rfind(kSettingPrefix, 0) == 0) {
      out->settings[key.substr(sizeof(kSettingPrefix) - 1)] = value;
    }
  }
  if (out->lineage.empty()) return Status::Corruption(shown() + " has no lineage; it is damaged");
  ColumnCache columns;
  for (int r = 0; r < rows.rows(); ++r) {
    ResourceInstance i;
    i.address = rows.Text(r, 0);
    i.node = rows.Text(r, 1);
    i.index = static_cast<int>(rows.Int(r, 2));
    i.provider = rows.Text(r, 3);
    i.provider_id = rows.Text(r, 4);
    std::optional<InstanceStatus> status = ParseInstanceStatus(rows.Text(r, 5));
    if (!status) return Status::Corruption("unknown status of " + i.address);
    i.status = *status;
    i.attributes = StoredJson::FromText(rows.Text(r, 6));
    i.outputs = StoredJson::FromText(rows.Text(r, 7));
    i.created_serial = rows.Int(r, 8);
    s = ReadTagsAndDependencies(rows.Text(r, 9), rows.Text(r, 10), &columns, &i);
    if (!s.ok()) return s;
    i.remove_requested = rows.Int(r, 11) != 0;
    i.sensitive = StoredJson::FromText(rows.Text(r, 12));
    i.deposed = rows.Text(r, 13);
    std::string address = i.address;
    out->instances.emplace_hint(out->instances.end(), address, std::move(i));
  }
  for (int r = 0; r < counts.rows(); ++r) {
    out->desired_counts[counts.Text(r, 0)] = static_cast<int>(counts.Int(r, 1));
  }
  return Status::Ok();
}

PostgresDb::Statement PostgresStateStore::PutInstance(const ResourceInstance& i) const {
  return {"INSERT INTO " + Table("instances") +
              " (address, node, idx, provider, provider_id, status, attributes, "
              "outputs, created_serial, tags, dependencies, remove_requested, "
              "sensitive, deposed) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) "
              "ON CONFLICT (address) DO UPDATE SET node = excluded.node, idx = excluded.idx, "
              "provider = excluded.provider, provider_id = excluded.provider_id, "
              "status = excluded.status, attributes = excluded.attributes, "
              "outputs = excluded.outputs, created_serial = excluded.created_serial, "
              "tags = excluded.tags, dependencies = excluded.dependencies, "
              "remove_requested = excluded.remove_requested, "
              "sensitive = excluded.sensitive, deposed = excluded.deposed",
          {ColumnText(i.address), ColumnText(i.node), Int(i.index),
           ColumnText(i.provider), ColumnText(i.provider_id),
           InstanceStatusName(i.status), ColumnText(i.attributes.text()),
           ColumnText(i.outputs.text()), Int(i.created_serial),
           ColumnJson(json(i.tags)), ColumnJson(json(i.dependencies)),
           Int(i.remove_requested), ColumnText(i.sensitive.text()),
           ColumnText(i.deposed)}};
}

Status PostgresStateStore::Replace(const StateSnapshot& state,
                                  const std::vector<Event>& events) {
  std::vector<PostgresDb::Statement> batch;
  for (const char* table : {"instances", "desired_counts", "events", "meta"}) {
    batch.push_back({"DELETE FROM " + Table(table), {}});
  }
  std::vector<std::pair<std::string, std::string>> keys = {
      {"lineage", state.lineage}, {"infra_id", state.infra_id},
      {"serial", Int(state.serial)},
      {"schema_version", Int(kPostgresSchemaVersion)}};
  for (const auto& [key, value] : state.settings) {
    keys.push_back({kSettingPrefix + ColumnText(key), ColumnText(value)});
  }
  for (const auto& [key, value] : keys) {
    batch.push_back({"INSERT INTO " + Table("meta") + " (key, value) VALUES ($1, $2)",
                     {key, value}});
  }
  for (const auto& [address, i] : state.instances) batch.push_back(PutInstance(i));
  for (const auto& [node, count] : state.desired_counts) {
    batch.push_back({"INSERT INTO " + Table("desired_counts") + " (node, count) VALUES ($1, $2)",
                     {ColumnText(node), Int(count)}});
  }
  int64_t last_id = 0;
  for (const Event& e : events) {
    batch.push_back({"INSERT INTO " + Table("events") +
                         " (id, time_ms, kind, node, message, detail) OVERRIDING "
                         "SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)",
                     {Int(e.id), Int(e.time_ms), ColumnText(e.kind), ColumnText(e.node),
                      ColumnText(e.message), ColumnJson(e.detail)}});
    last_id = std::max(last_id, e.id);
  }
  // New events continue after the copied ones.
  batch.push_back({"SELECT setval(pg_get_serial_sequence($1, 'id'), $2::bigint, $3::boolean)",
                   {Table("events"), Int(std::max<int64_t>(last_id, 1)),
                    last_id > 0 ? "true" : "false"}});
  PostgresResult last;
  return db_.ExecAtomically(batch, &last);
}

Status PostgresStateStore::Commit(const StateChange& change, int64_t* serial) {
  std::vector<PostgresDb::Statement> batch;
  for (const std::string& address : change.remove) {
    batch.push_back({"DELETE FROM " + Table("instances") + " WHERE address = $1",
                     {ColumnText(address)}});
  }
  for (const ResourceInstance& i : change.put) batch.push_back(PutInstance(i));
  for (const auto& [node, count] : change.set_desired) {
    batch.push_back({"INSERT INTO " + Table("desired_counts") +
                         " (node, count) VALUES ($1, $2) ON CONFLICT (node) "
                         "DO UPDATE SET count = excluded.count",
                     {ColumnText(node), Int(count)}});
  }
  for (const std::string& node : change.clear_desired) {
    batch.push_back({"DELETE FROM " + Table("desired_counts") + " WHERE node = $1",
                     {ColumnText(node)}});
  }
  for (const auto& [key, value] : change.set_settings) {
    std::string name = kSettingPrefix + ColumnText(key);
    if (value.empty()) {
      batch.push_back({"DELETE FROM " + Table("meta") + " WHERE key = $1", {name}});
    } else {
      batch.push_back({"INSERT INTO " + Table("meta") +
                           " (key, value) VALUES ($1, $2) ON CONFLICT (key) "
                           "DO UPDATE SET value = excluded.value",
                       {name, ColumnText(value)}});
    }
  }
  for (const Event& e : change.events) {
    batch.push_back({"INSERT INTO " + Table("events") +
                         " (time_ms, kind, node, message, detail) VALUES ($1, $2, $3, $4, $5)",
                     {Int(e.time_ms ? e.time_ms : NowMillis()), ColumnText(e.kind),
                      ColumnText(e.node), ColumnText(e.message), ColumnJson(e.detail)}});
  }
  batch.push_back({"UPDATE " + Table("meta") +
                       " SET value = (value::bigint + 1)::text WHERE key = 'serial' "
                       "RETURNING value::bigint",
                   {}});
  PostgresResult last;
  Status s = db_.ExecAtomically(batch, &last);
  if (!s.ok()) return s;
  if (last.rows() != 1) return Status::Corruption(shown() + " has no serial; it is damaged");
  *serial = last.Int(0, 0);
  return Status::Ok();
}

Status PostgresStateStore::Events(int limit, std::vector<Event>* out) {
  out->clear();
  PostgresResult rows;
  Params params = {limit > 0 ? std::optional<std::string>(Int(limit)) : std::nullopt};
  Status s = db_.Exec("SELECT id, time_ms, kind, node, message, detail FROM " +
                          Table("events") + " ORDER BY id DESC LIMIT $1::bigint",
                      params, &rows);
  if (!s.ok()) return s;
  for (int r = 0; r < rows.rows(); ++r) {
    Event e;
    e.id = rows.Int(r, 0);
    e.time_ms = rows.Int(r, 1);
    e.kind = rows.Text(r, 2);
    e.node = rows.Text(r, 3);
    e.message = rows.Text(r, 4);
    s = ParseColumnJson(rows.Text(r, 5), "event", &e.detail);
    if (!s.ok()) return s;
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

Status PostgresStateStore::ReadLockRow(std::optional<LockInfo>* holder) {
  holder->reset();
  PostgresResult row;
  Status s = db_.Exec("SELECT id, operation, who, host, pid, process_start, since_ms FROM " +
                          Table("lock"),
                      {}, &row);
  if (!s.ok() || row.rows() == 0) return s;
  LockInfo info;
  info.id = row.Text(0, 0);
  info.operation = row.Text(0, 1);
  info.who = row.Text(0, 2);
  info.host = row.Text(0, 3);
  info.pid = static_cast<int>(row.Int(0, 4));
  info.process_start = row.Int(0, 5);
  info.since_ms = row.Int(0, 6);
  *holder = info;
  return Status::Ok();
}

Status PostgresStateStore::AdvisoryHolder(int* backend_pid) {
  *backend_pid = 0;
  PostgresResult row;
  Status s = db_.Exec(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
      "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1",
      {Int(lock_key_ >> 32), Int(lock_key_ & 0xffffffff)}, &row);
  if (s.ok() && row.rows() > 0) *backend_pid = static_cast<int>(row.Int(0, 0));
  return s;
}

Status PostgresStateStore::TryLock(const LockInfo& me, LockInfo* holder) {
  auto grace_end = std::chrono::steady_clock::now() + kDeadHolderGrace;
  for (;;) {
    // A session lock is reentrant: one connection takes it once.
    PostgresResult got;
    Status s = held_.empty()
                   ? db_.Exec("SELECT pg_try_advisory_lock($1::bigint)", {Int(lock_key_)}, &got)
                   : Status::Ok();
    if (!s.ok()) return s;
    if (!held_.empty() || got.Text(0, 0) != "t") {
      std::optional<LockInfo> row;
      s = ReadLockRow(&row);
      if (!s.ok()) return s;
      *holder = row.value_or(LockInfo{"", "(starting)", "", "", 0, 0, 0});
      // A holder of this host that has ended still holds the lock until
      // its server process sees the closed connection: a moment.
      if (row && LockIsStale(*row) && std::chrono::steady_clock::now() < grace_end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      return Status::Busy(shown() + " is locked");
    }
    // Ours now: a row left by a holder whose connection ended goes.
    s = Transaction([&]() -> Status {
      Status s = db_.Exec("DELETE FROM " + Table("lock"));
      if (s.ok()) {
        s = db_.Exec("INSERT INTO " + Table("lock") +
                         " (singleton, id, operation, who, host, pid, process_start, "
                         "since_ms) VALUES (1, $1, $2, $3, $4, $5, $6, $7)",
                     {me.id, ColumnText(me.operation), ColumnText(me.who),
                      ColumnText(me.host), Int(me.pid), Int(me.process_start),
                      Int(me.since_ms)});
      }
      return s;
    });
    if (!s.ok()) {
      db_.Exec("SELECT pg_advisory_unlock($1::bigint)", {Int(lock_key_)});
      return s;
    }
    held_ = me.id;
    return Status::Ok();
  }
}

Status PostgresStateStore::Unlock(const std::string& id) {
  if (!held_.empty() && held_ == id) {
    Status s = db_.Exec("DELETE FROM " + Table("lock") + " WHERE id = $1", {id});
    Status u = db_.Exec("SELECT pg_advisory_unlock($1::bigint)", {Int(lock_key_)});
    held_.clear();
    return s.ok() ? u : s;
  }
  // Another connection's lock: only a row whose connection has ended may
  // be removed; a live one is released when its holder ends.
  int backend = 0;
  Status s = AdvisoryHolder(&backend);
  if (!s.ok()) return s;
  std::optional<LockInfo> row;
  s = ReadLockRow(&row);
  if (!s.ok()) return s;
  if (!row || row->id != id) return Status::NotFound("no lock with id " + id);
  if (backend != 0) {
    return Status::Busy(
        "the state lock " + id + " is held on a live connection to " + shown() +
        " (server process " + std::to_string(backend) + "):\n" + DescribeLock(*row) +
        "It is released when that occam ends or its connection does; to end "
        "the connection: SELECT pg_terminate_backend(" + std::to_string(backend) +
        "); nothing was changed");
  }
  return db_.Exec("DELETE FROM " + Table("lock") + " WHERE id = $1", {id});
}

Status PostgresStateStore::CurrentLock(std::optional<LockInfo>* holder) {
  holder->reset();
  int backend = 0;
  Status s = AdvisoryHolder(&backend);
  if (!s.ok() || backend == 0) return s;  // a row without a holder: none
  s = ReadLockRow(holder);
  if (s.ok() && !*holder) *holder = LockInfo{"", "(starting)", "", "", 0, 0, 0};
  return s;
}

Status PostgresStateStore::TryLead() {
  PostgresResult got;
  int64_t key = (kLeadClass << 32) | (lock_key_ & 0xffffffff);
  Status s = db_.Exec("SELECT pg_try_advisory_lock($1::bigint)", {Int(key)}, &got);
  if (!s.ok()) return s;
  return got.Text(0, 0) == "t" ? Status::Ok()
                               : Status::Busy("another occam serve leads " + shown());
}

Status PostgresStateStore::Compact() {
  // VACUUM runs outside a transaction, one table at a time.
  for (const char* table : {"instances", "meta"}) {
    Status s = db_.Exec("VACUUM FULL " + Table(table));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// The leadership is a session lock: held exactly as long as the session
// that took it answers.
Status PostgresStateStore::StillLeads() {
  Status s = db_.Exec("SELECT 1");
  if (s.ok()) return s;
  return Status::Unavailable("the connection holding the leadership of " +
                             shown() + " ended (" + s.message() + ")");
}

Status PostgresStateStore::DropSchema() {
  return db_.Exec("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
}

}  // namespace occam
