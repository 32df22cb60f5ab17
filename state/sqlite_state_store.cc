#include "state/sqlite_state_store.h"

#include <cstdio>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/uuid.h"
#include "state/state_columns.h"
#include "state/state_schema.h"

namespace occam {
namespace {

using nlohmann::json;

// No SQLite database is smaller than one page of the smallest size.
constexpr off_t kSmallestDatabase = 512;

Status NotOurs(const std::string& path, const std::string& why) {
  return Status::Corruption(path + " is not an occam state file (" + why +
                            "); occam has not changed it. Name another file "
                            "with --state");
}

// The state holds secrets (rendered passwords, tokens): a new file is
// readable by its owner only, and SQLite gives its WAL and shared-memory
// files the same mode. Nothing holds a lock on it yet, so closing this
// descriptor drops none.
Status CreatePrivateFile(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return Status::IOError("cannot create state file " + path + ": " +
                           std::strerror(errno));
  }
  if (fd >= 0) close(fd);
  return Status::Ok();
}

// A clearer message for SQLite's corruption errors.
Status Damaged(const std::string& path, const Status& s) {
  if (s.code() != Status::Code::kCorruption) return s;
  return Status::Corruption(path + " is damaged (" + s.message() +
                            "); occam has not changed it. Restore it from a "
                            "backup");
}

Status ReadInstance(const SqliteStatement& row, ColumnCache* columns,
                    ResourceInstance* out) {
  out->address = row.Text(0);
  out->node = row.Text(1);
  out->index = static_cast<int>(row.Int(2));
  out->provider = row.Text(3);
  out->provider_id = row.Text(4);
  std::optional<InstanceStatus> status = ParseInstanceStatus(row.Text(5));
  if (!status) return Status::Corruption("unknown status of " + out->address);
  out->status = *status;
  // Parsed when first read (most plans compare the texts only).
  out->attributes = StoredJson::FromText(row.Text(6));
  out->outputs = StoredJson::FromText(row.Text(7));
  out->sensitive = StoredJson::FromText(row.Text(12));
  Status s = ReadTagsAndDependencies(row.View(9), row.View(10), columns, out);
  if (!s.ok()) return s;
  out->created_serial = row.Int(8);
  out->remove_requested = row.Int(11) != 0;
  out->deposed = row.Text(13);
  return Status::Ok();
}

}  // namespace

template <typename Body>
Status SqliteStateStore::Transaction(Body&& body) {
  Status s = db_.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  s = body();
  if (s.ok()) s = db_.Exec("COMMIT");
  if (!s.ok()) db_.Exec("ROLLBACK");
  return s;
}

namespace {

// Settings live in the meta table under this prefix, apart from the
// state's own keys (lineage, serial, infra_id).
constexpr char kSettingPrefix[] = "setting:";

// `path` for a file: URI (RFC 8089): '%', '?' and '#' escaped.
std::string UriPath(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// The folder holding `path`.
std::string FolderOf(const std::string& path) {
  if (path.find('/') == std::string::npos) return ".";
  std::string dir = path.substr(0, path.rfind('/'));
  return dir.empty() ? "/" : dir;
}

// A state is written with its folder (SQLite keeps its -wal and -shm files
// beside it). On a read-only mount SQLite itself said "unable to open
// database file (No such file or directory)"; this says what is wrong.
Status CheckWritable(const std::string& path, bool exists) {
  std::string dir = FolderOf(path);
  const std::string& target = exists ? path : dir;
  if (access(target.c_str(), W_OK) == 0 && access(dir.c_str(), W_OK) == 0) {
    return Status::Ok();
  }
  int error = errno;
  return Status::IOError(
      "cannot write the state " + path + ": " + std::strerror(error) +
      "; this command records in the state (it takes the lock). Commands "
      "that only read work: occam plan -lock=false, state list, state show, "
      "history");
}

// Whether this process may write beside `path` (SQLite's -wal and -shm).
bool FolderWritable(const std::string& path) {
  std::string dir = FolderOf(path);
  std::string shm = path + "-shm";
  return access(dir.c_str(), W_OK) == 0 &&
         (access(shm.c_str(), F_OK) != 0 || access(shm.c_str(), W_OK) == 0);
}

}  // namespace

Status SqliteStateStore::Open(const std::string& path,
                              const StateOpenOptions& options,
                              std::unique_ptr<SqliteStateStore>* out) {
  // SQLite reads "" and ":memory:" as a database that vanishes on close:
  // an apply would record nothing of what it created.
  if (path.empty() || path == ":memory:") {
    return Status::InvalidArgument(
        "'" + path + "' is not a state file; name a file with --state "
        "(default occam.db)");
  }
  std::unique_ptr<SqliteStateStore> store(new SqliteStateStore());
  struct stat st {};
  bool exists = stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    return NotOurs(path, "it is not a regular file");
  }
  // An empty file holds nothing to lose: a crash while creating leaves one.
  bool fresh = !exists || st.st_size == 0;
  if (fresh && !options.create_if_missing) {
    return Status::NotFound("no state file at " + path +
                            "; run occam plan or apply to create one");
  }
  // The file is never opened but through SQLite: closing any other
  // descriptor for it would drop the POSIX locks this process's connections
  // hold (a daemon holds two), and another occam closing the file would
  // then delete the WAL they still write to.
  if (!fresh && st.st_size < kSmallestDatabase) {
    return NotOurs(path, "it is not an SQLite database");
  }
  if (options.read_only) {
    if (fresh) {
      return Status::NotFound("no state file at " + path +
                              "; run occam plan or apply to create one");
    }
    Status s = store->OpenReadOnly(path);
    if (!s.ok()) return s;
    *out = std::move(store);
    return Status::Ok();
  }
  Status writable = CheckWritable(path, exists);
  if (!writable.ok()) return writable;
  if (!exists) {
    Status made = CreatePrivateFile(path);
    if (!made.ok()) return made;
  }
  int flags = SQLITE_OPEN_READWRITE | (fresh ? SQLITE_OPEN_CREATE : 0);
  Status s = store->db_.Open(path, flags);
  if (!s.ok()) return s;
  if (!fresh && store->db_.NotADatabase()) {
    return NotOurs(path, "it is not an SQLite database");
  }
  s = fresh ? store->Create(options) : store->CheckAndUpgrade();
  if (!s.ok()) return s;
  // In WAL mode NORMAL keeps every commit through a crash of occam (kill
  // -9) and the file consistent through a power loss, which may undo the
  // last commits; an apply resolves those from ownership tags. FULL would
  // sync every one of the thousands of commits of a large apply.
  s = store->db_.Exec("PRAGMA synchronous=NORMAL");
  if (!s.ok()) return s;
  *out = std::move(store);
  return Status::Ok();
}

// A read-only connection: mode=ro reads a WAL database while its -wal and
// -shm files can be made or exist; in a folder this process may not write
// (a backup, a read-only mount) it cannot, and immutable=1 reads the file
// as it is. Only there: immutable=1 never sees a later commit, nor one
// still in the -wal, so a reader beside a running occam (history --follow
// beside serve) would show a frozen past; its failure is reported instead.
Status SqliteStateStore::OpenReadOnly(const std::string& path) {
  std::string uri = "file:" + UriPath(path);
  Status s = db_.Open(uri + "?mode=ro", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path);
  if (s.ok() && db_.NotADatabase()) return NotOurs(path, "it is not an SQLite database");
  if (s.ok()) s = CheckVersion();
  if (s.ok()) return s;
  if (FolderWritable(path)) return s;
  Status immutable =
      db_.Open(uri + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path);
  if (immutable.ok()) immutable = CheckVersion();
  return immutable.ok() ? immutable : s;
}

Status SqliteStateStore::CheckVersion() {
  int64_t app_id = 0, version = 0;
  Status s = db_.QueryInt("PRAGMA application_id", &app_id);
  if (!s.ok()) return s;
  if (app_id != kStateApplicationId) {
    return NotOurs(path(), "it is an SQLite database of another program");
  }
  s = db_.QueryInt("PRAGMA user_version", &version);
  if (!s.ok()) return s;
  if (version != CurrentStateSchemaVersion()) {
    return Status::InvalidArgument(
        path() + " has state schema version " + std::to_string(version) +
        " and this occam reads " + std::to_string(CurrentStateSchemaVersion()) +
        " without changing the file; run a command that writes the state "
        "(plan) to upgrade it");
  }
  return Status::Ok();
}

Status SqliteStateStore::Create(const StateOpenOptions& options) {
  Status s = db_.Exec("PRAGMA journal_mode=WAL");
  if (!s.ok()) return s;
  return Transaction([&]() -> Status {
    int64_t app_id = 0;
    Status s = db_.QueryInt("PRAGMA application_id", &app_id);
    if (!s.ok()) return s;
    // Another occam created it first: use theirs.
    if (app_id == kStateApplicationId) return Status::Ok();
    s = db_.Exec("PRAGMA application_id=" + std::to_string(kStateApplicationId));
    if (s.ok()) s = Migrate(0);
    if (!s.ok()) return s;
    SqliteStatement insert;
    s = db_.Prepare("INSERT INTO meta(key, value) VALUES (?, ?)", &insert);
    if (!s.ok()) return s;
    std::string infra_id =
        options.infra_id.empty() ? NewUuid() : options.infra_id;
    for (auto [key, value] : {std::pair{"lineage", NewUuid()},
                              std::pair{"serial", std::string("0")},
                              std::pair{"infra_id", infra_id}}) {
      insert.Reset();
      insert.Bind(1, key);
      insert.Bind(2, value);
      insert.Step(&s);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  });
}

Status SqliteStateStore::CheckAndUpgrade() {
  int64_t app_id = 0, version = 0;
  Status s = db_.QueryInt("PRAGMA application_id", &app_id);
  if (!s.ok()) return Damaged(path(), s);
  if (app_id != kStateApplicationId) {
    return NotOurs(path(), "it is an SQLite database of another program");
  }
  s = db_.QueryInt("PRAGMA user_version", &version);
  if (!s.ok()) return s;
  // Creating a state sets its version in the transaction that sets its
  // application id: anything below 1 was written by something else.
  if (version < 1) {
    return Status::Corruption(
        path() + " has state schema version " + std::to_string(version) +
        ", which no occam writes; occam has not changed it. Restore it from "
        "a backup");
  }
  if (version > CurrentStateSchemaVersion()) {
    return Status::InvalidArgument(
        path() + " was written by a newer occam (state schema version " +
        std::to_string(version) + "; this occam reads up to " +
        std::to_string(CurrentStateSchemaVersion()) +
        "). Upgrade occam; the file has not been changed");
  }
  if (version == CurrentStateSchemaVersion()) return Status::Ok();
  return Transaction([&] { return Migrate(static_cast<int>(version)); });
}

// REQUIRES: inside a transaction.
Status SqliteStateStore::Migrate(int from_version) {
  const std::vector<std::string>& migrations = StateMigrations();
  for (size_t i = from_version; i < migrations.size(); ++i) {
    Status s = db_.Exec(migrations[i]);
    if (!s.ok()) return s;
  }
  return db_.Exec("PRAGMA user_version=" +
                  std::to_string(CurrentStateSchemaVersion()));
}

Status SqliteStateStore::Load(StateSnapshot* out) {
  *out = StateSnapshot();
  Status s = db_.Exec("BEGIN");
  if (!s.ok()) return s;
  auto body = [&]() -> Status {
    SqliteStatement meta;
    Status s = db_.Prepare("SELECT key, value FROM meta", &meta);
    while (s.ok() && meta.Step(&s)) {
      std::string key = meta.Text(0), value = meta.Text(1);
      if (key == "lineage") out->lineage = value;
      if (key == "infra_id") out->infra_id = value;
      if (key.rfind(kSettingPrefix, 0) == 0) {
        out->settings[key.substr(sizeof(kSettingPrefix) - 1)] = value;
      }
      if (key == "serial") {
        char* end = nullptr;
        out->serial = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end) {
          return Status::Corruption(path() + " has a damaged serial");
        }
      }
    }
    if (!s.ok()) return s;
    SqliteStatement rows;
    s = db_.Prepare(
        "SELECT address, node, idx, provider, provider_id, status, "
        "attributes, outputs, created_serial, tags, dependencies, "
        "remove_requested, sensitive, deposed FROM instances",
        &rows);
    ColumnCache columns;
    while (s.ok() && rows.Step(&s)) {
      ResourceInstance instance;
      s = ReadInstance(rows, &columns, &instance);
      std::string address = instance.address;
      out->instances.emplace_hint(out->instances.end(), address,
                                  std::move(instance));
    }
    if (!s.ok()) return s;
    SqliteStatement counts;
    s = db_.Prepare("SELECT node, count FROM desired_counts", &counts);
    while (s.ok() && counts.Step(&s)) {
      out->desired_counts[counts.Text(0)] = static_cast<int>(counts.Int(1));
    }
    return s;
  };
  s = body();
  db_.Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  if (s.ok() && out->lineage.empty()) {
    return Status::Corruption(path() + " has no lineage; it is damaged");
  }
  return Damaged(path(), s);
}

Status SqliteStateStore::Run(SqliteStatement* statement) {
  Status s;
  statement->Reset();
  statement->Step(&s);
  return s;
}

// Commits are the hot path of apply: their statements are parsed once.
Status SqliteStateStore::Prepare() {
  if (prepared_) return Status::Ok();
  const std::pair<SqliteStatement*, const char*> statements[] = {
      {&remove_, "DELETE FROM instances WHERE address = ?"},
      {&put_,
       "INSERT OR REPLACE INTO instances (address, node, idx, provider, "
       "provider_id, status, attributes, outputs, created_serial, tags, "
       "dependencies, remove_requested, sensitive, deposed) "
       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
      {&desired_,
       "INSERT OR REPLACE INTO desired_counts (node, count) VALUES (?, ?)"},
      {&clear_, "DELETE FROM desired_counts WHERE node = ?"},
      {&event_,
       "INSERT INTO events (time_ms, kind, node, message, detail) "
       "VALUES (?, ?, ?, ?, ?)"},
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&bump_serial_,
       "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
       "WHERE key = 'serial'"},
      {&read_serial_,
       "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'serial'"},
  };
  for (auto [statement, sql] : statements) {
    Status s = db_.Prepare(sql, statement);
    if (!s.ok()) return s;
  }
  prepared_ = true;
  return Status::Ok();
}

// REQUIRES: inside a transaction, Prepare() done.
Status SqliteStateStore::WriteChange(const StateChange& change,
                                     int64_t* serial) {
  Status s;
  SqliteStatement &remove = remove_, &put = put_, &desired = desired_,
                  &clear = clear_, &event = event_;
  for (const std::string& address : change.remove) {
    if (!s.ok()) return s;
    remove.Reset();
    remove.Bind(1, address);
    remove.Step(&s);
  }
  for (const ResourceInstance& i : change.put) {
    if (!s.ok()) return s;
    put.Reset();
    put.Bind(1, i.address);
    put.Bind(2, i.node);
    put.Bind(3, static_cast<int64_t>(i.index));
    put.Bind(4, i.provider);
    put.Bind(5, i.provider_id);
    put.Bind(6, InstanceStatusName(i.status));
    put.Bind(7, i.attributes.text());
    put.Bind(8, i.outputs.text());
    put.Bind(9, i.created_serial);
    put.Bind(10, ColumnJson(json(i.tags)));
    put.Bind(11, ColumnJson(json(i.dependencies)));
    put.Bind(12, static_cast<int64_t>(i.remove_requested));
    put.Bind(13, i.sensitive.text());
    put.Bind(14, i.deposed);
    put.Step(&s);
  }
  for (const auto& [node, count] : change.set_desired) {
    if (!s.ok()) return s;
    desired.Reset();
    desired.Bind(1, node);
    desired.Bind(2, static_cast<int64_t>(count));
    desired.Step(&s);
  }
  for (const std::string& node : change.clear_desired) {
    if (!s.ok()) return s;
    clear.Reset();
    clear.Bind(1, node);
    clear.Step(&s);
  }
  for (const auto& [key, value] : change.set_settings) {
    if (!s.ok()) return s;
    SqliteStatement setting;
    s = db_.Prepare(value.empty()
                        ? "DELETE FROM meta WHERE key = ?"
                        : "INSERT INTO meta(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    &setting);
    if (!s.ok()) return s;
    setting.Bind(1, kSettingPrefix + key);
    if (!value.empty()) setting.Bind(2, value);
    setting.Step(&s);
  }
  for (const Event& e : change.events) {
    if (!s.ok()) return s;
    event.Reset();
    event.Bind(1, e.time_ms ? e.time_ms : NowMillis());
    event.Bind(2, e.kind);
    event.Bind(3, e.node);
    event.Bind(4, e.message);
    event.Bind(5, ColumnJson(e.detail));
    event.Step(&s);
  }
  if (!s.ok()) return s;
  s = Run(&bump_serial_);
  if (!s.ok()) return s;
  read_serial_.Reset();
  if (!read_serial_.Step(&s)) return s.ok() ? Status::Corruption("no serial") : s;
  *serial = read_serial_.Int(0);
  read_serial_.Reset();
  return Status::Ok();
}

Status SqliteStateStore::Commit(const StateChange& change, int64_t* serial) {
  Status s = Prepare();
  if (s.ok()) s = Run(&begin_);
  if (!s.ok()) return Damaged(path(), s);
  s = WriteChange(change, serial);
  if (s.ok()) s = Run(&commit_);
  if (!s.ok()) Run(&rollback_);
  return Damaged(path(), s);
}

Status SqliteStateStore::Replace(const StateSnapshot& state,
                                const std::vector<Event>& events) {
  Status s = Prepare();
  if (!s.ok()) return s;
  s = Transaction([&]() -> Status {
    Status s = db_.Exec(
        "DELETE FROM instances; DELETE FROM desired_counts; DELETE FROM events; "
        "DELETE FROM meta");
    SqliteStatement meta, event;
    if (s.ok()) s = db_.Prepare("INSERT INTO meta(key, value) VALUES (?, ?)", &meta);
    if (s.ok()) {
      s = db_.Prepare("INSERT INTO events (id, time_ms, kind, node, message, detail) "
                      "VALUES (?, ?, ?, ?, ?, ?)", &event);
    }
    std::vector<std::pair<std::string, std::string>> keys = {
        {"lineage", state.lineage}, {"infra_id", state.infra_id},
        {"serial", std::to_string(state.serial)}};
    for (const auto& [key, value] : state.settings) keys.push_back({kSettingPrefix + key, value});
    for (const auto& [key, value] : keys) {
      if (!s.ok()) return s;
      meta.Reset();
      meta.Bind(1, key);
      meta.Bind(2, value);
      meta.Step(&s);
    }
    for (const Event& e : events) {
      if (!s.ok()) return s;
      event.Reset();
      event.Bind(1, e.id);
      event.Bind(2, e.time_ms);
      event.Bind(3, e.kind);
      event.Bind(4, e.node);
      event.Bind(5, e.message);
      event.Bind(6, ColumnJson(e.detail));
      event.Step(&s);
    }
    if (!s.ok()) return s;
    // The instances and counts as one change; its serial bump is undone.
    StateChange all;
    for (const auto& [address, i] : state.instances) all.put.push_back(i);
    all.set_desired = state.desired_counts;
    int64_t ignored = 0;
    s = WriteChange(all, &ignored);
    if (!s.ok()) return s;
    return db_.Exec("UPDATE meta SET value = '" + std::to_string(state.serial) +
                    "' WHERE key = 'serial'");
  });
  return Damaged(path(), s);
}

Status SqliteStateStore::Events(int limit, std::vector<Event>* out) {
  out->clear();
  SqliteStatement rows;
  Status s = db_.Prepare(
      "SELECT id, time_ms, kind, node, message, detail FROM events "
      "ORDER BY id DESC LIMIT ?",
      &rows);
  if (!s.ok()) return s;
  rows.Bind(1, static_cast<int64_t>(limit > 0 ? limit : -1));
  while (rows.Step(&s)) {
    Event e;
    e.id = rows.Int(0);
    e.time_ms = rows.Int(1);
    e.kind = rows.Text(2);
    e.node = rows.Text(3);
    e.message = rows.Text(4);
    Status parsed = ParseColumnJson(rows.Text(5), "event", &e.detail);
    if (!parsed.ok()) return parsed;
    out->push_back(std::move(e));
  }
  return s;
}

Status SqliteStateStore::ReadLock(std::optional<LockInfo>* holder) {
  holder->reset();
  SqliteStatement row;
  Status s = db_.Prepare(
      "SELECT id, operation, who, host, pid, process_start, since_ms "
      "FROM lock",
      &row);
  if (!s.ok()) return s;
  if (row.Step(&s)) {
    LockInfo info;
    info.id = row.Text(0);
    info.operation = row.Text(1);
    info.who = row.Text(2);
    info.host = row.Text(3);
    info.pid = static_cast<int>(row.Int(4));
    info.process_start = row.Int(5);
    info.since_ms = row.Int(6);
    *holder = info;
  }
  return s;
}

Status SqliteStateStore::TryLock(const LockInfo& me, LockInfo* holder) {
  bool busy = false;
  Status s = Transaction([&]() -> Status {
    std::optional<LockInfo> current;
    Status s = ReadLock(&current);
    if (!s.ok()) return s;
    if (current) {
      *holder = *current;
      busy = true;
      return Status::Ok();
    }
    SqliteStatement insert;
    s = db_.Prepare(
        "INSERT INTO lock (singleton, id, operation, who, host, pid, "
        "process_start, since_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
        &insert);
    if (!s.ok()) return s;
    insert.Bind(1, me.id);
    insert.Bind(2, me.operation);
    insert.Bind(3, me.who);
    insert.Bind(4, me.host);
    insert.Bind(5, static_cast<int64_t>(me.pid));
    insert.Bind(6, me.process_start);
    insert.Bind(7, me.since_ms);
    insert.Step(&s);
    return s;
  });
  if (s.ok() && busy) return Status::Busy(path() + " is locked");
  return s;
}

Status SqliteStateStore::Unlock(const std::string& id) {
  return Transaction([&]() -> Status {
    SqliteStatement remove;
    Status s = db_.Prepare("DELETE FROM lock WHERE id = ?", &remove);
    if (!s.ok()) return s;
    remove.Bind(1, id);
    remove.Step(&s);
    if (s.ok() && sqlite3_changes(db_.handle()) == 0) {
      return Status::NotFound("no lock with id " + id);
    }
    return s;
  });
}

Status SqliteStateStore::CurrentLock(std::optional<LockInfo>* holder) {
  return ReadLock(holder);
}

Status SqliteStateStore::Compact() {
  Status s = db_.Exec("VACUUM");
  if (s.ok()) s = db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return s;
}

}  // namespace occam
