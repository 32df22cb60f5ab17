// What only the file-backed store must do: survive reopening, crashes and
// concurrent writers; refuse files that are not its own, damaged or newer;
// upgrade files of older schema versions.
#include "state/sqlite_state_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <random>
#include <sstream>

#include "state/state_schema.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SqliteStateStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.Path("occam.db");

  std::unique_ptr<SqliteStateStore> Open(Status* status = nullptr) {
    std::unique_ptr<SqliteStateStore> store;
    Status s = SqliteStateStore::Open(path_, {}, &store);
    if (status) *status = s;
    else EXPECT_TRUE(s.ok()) << s.ToString();
    return store;
  }

  // Runs raw SQL on the file, as another program would.
  void RawSql(const std::string& sql) {
    SqliteDb db;
    ASSERT_TRUE(db.Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE).ok());
    Status s = db.Exec(sql);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static ResourceInstance Instance(int index) {
    ResourceInstance r;
    r.address = InstanceAddress("x", index);
    r.node = "x";
    r.index = index;
    r.provider = "dummy";
    r.attributes = StoredJson(nlohmann::json{{"payload", std::string(200, 'p')}});
    return r;
  }
};

TEST_F(SqliteStateStoreTest, StateSurvivesReopening) {
  std::string lineage;
  {
    auto store = Open();
    StateChange c;
    c.put.push_back(Instance(0));
    int64_t serial;
    ASSERT_TRUE(store->Commit(c, &serial).ok());
    StateSnapshot s;
    ASSERT_TRUE(store->Load(&s).ok());
    lineage = s.lineage;
  }
  StateSnapshot s;
  ASSERT_TRUE(Open()->Load(&s).ok());
  EXPECT_EQ(lineage, s.lineage);
  EXPECT_EQ(1, s.serial);
  EXPECT_EQ(1u, s.instances.size());
}

TEST_F(SqliteStateStoreTest, InfraIdCanBeGiven) {
  std::unique_ptr<SqliteStateStore> store;
  StateOpenOptions options;
  options.infra_id = "my-infra";
  ASSERT_TRUE(SqliteStateStore::Open(path_, options, &store).ok());
  StateSnapshot s;
  ASSERT_TRUE(store->Load(&s).ok());
  EXPECT_EQ("my-infra", s.infra_id);
}

TEST_F(SqliteStateStoreTest, MissingFileWithoutCreateIsNotFound) {
  std::unique_ptr<SqliteStateStore> store;
  StateOpenOptions options;
  options.create_if_missing = false;
  Status s = SqliteStateStore::Open(path_, options, &store);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ("no state file at " + path_ +
                "; run occam plan or apply to create one",
            s.message());
}

TEST_F(SqliteStateStoreTest, TextFileIsRefusedUnchanged) {
  dir_.Write("occam.db", "this is my shopping list\n");
  Status s;
  EXPECT_EQ(nullptr, Open(&s));
  EXPECT_EQ(Status::Code::kCorruption, s.code());
  EXPECT_EQ(path_ + " is not an occam state file (it is not an SQLite "
                    "database); occam has not changed it. Name another file "
                    "with --state",
            s.message());
  EXPECT_EQ("this is my shopping list\n", ReadBytes(path_));
}

TEST_F(SqliteStateStoreTest, LargeTextFileIsRefusedUnchanged) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "line " + std::to_string(i) + " of my notes\n";
  dir_.Write("occam.db", text);
  Status s;
  EXPECT_EQ(nullptr, Open(&s));
  EXPECT_NE(std::string::npos, s.message().find("(it is not an SQLite database)"))
      << s.message();
  EXPECT_EQ(text, ReadBytes(path_));
}

TEST_F(SqliteStateStoreTest, OtherSqliteDatabaseIsRefusedUnchanged) {
  RawSql("CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1);");
  std::string before = ReadBytes(path_);
  Status s;
  EXPECT_EQ(nullptr, Open(&s));
  EXPECT_EQ(path_ + " is not an occam state file (it is an SQLite database "
                    "of another program); occam has not changed it. Name "
                    "another file with --state",
            s.message());
  EXPECT_EQ(before, ReadBytes(path_));
}

TEST_F(SqliteStateStoreTest, NewerSchemaIsRefusedUnchanged) {
  Open().reset();
  RawSql("PRAGMA user_version = 99");
  std::string before = ReadBytes(path_);
  Status s;
  EXPECT_EQ(nullptr, Open(&s));
  EXPECT_EQ(path_ + " was written by a newer occam (state schema version 99; "
                    "this occam reads up to " +
                std::to_string(CurrentStateSchemaVersion()) +
                "). Upgrade occam; the file has not been changed",
            s.message());
  EXPECT_EQ(before, ReadBytes(path_));
}

TEST_F(SqliteStateStoreTest, SchemaVersionBelowOneIsRefusedUnchanged) {
  Open().reset();
  for (int version : {-1, 0}) {
    RawSql("PRAGMA user_version = " + std::to_string(version));
    std::string before = ReadBytes(path_);
    Status s;
    EXPECT_EQ(nullptr, Open(&s));
    EXPECT_EQ(path_ + " has state schema version " + std::to_string(version) +
                  ", which no occam writes; occam has not changed it. "
                  "Restore it from a backup",
              s.message());
    EXPECT_EQ(before, ReadBytes(path_));
  }
}

TEST_F(SqliteStateStoreTest, NewStateFilesAreReadableByTheirOwnerOnly) {
  umask(022);
  std::unique_ptr<SqliteStateStore> store = Open();
  int64_t serial = 0;
  ASSERT_TRUE(store->Commit(StateChange{}, &serial).ok());
  for (const std::string& file : {path_, path_ + "-wal", path_ + "-shm"}) {
    struct stat st {};
    ASSERT_EQ(0, stat(file.c_str(), &st)) << file;
    EXPECT_EQ(0600u, st.st_mode & 0777) << file;
  }
}

TEST_F(SqliteStateStoreTest, PathsSqliteWouldNotKeepAreRefused) {
  for (const std::string path : {"", ":memory:"}) {
    std::unique_ptr<SqliteStateStore> store;
    StateOpenOptions options;
    options.create_if_missing = true;
    Status s = SqliteStateStore::Open(path, options, &store);
    EXPECT_EQ(Status::Code::kInvalidArgument, s.code()) << path;
    EXPECT_EQ("'" + path + "' is not a state file; name a file with --state "
              "(default occam.db)",
              s.message());
  }
}

TEST_F(SqliteStateStoreTest, TextThatIsNotUtf8IsStoredReplacedNotAborted) {
  std::unique_ptr<SqliteStateStore> store = Open();
  StateChange change;
  ResourceInstance r = Instance(0);
  r.outputs = StoredJson(nlohmann::json{{"log", "/tmp/caf\xE9.log"}});
  r.tags["label"] = "\xFF";
  change.put.push_back(r);
  Event e;
  e.kind = "scale";
  e.detail = {{"labels", {{"node", "app\xFE"}}}};
  change.events.push_back(e);
  int64_t serial = 0;
  Status s = store->Commit(change, &serial);
  ASSERT_TRUE(s.ok()) << s.ToString();
  StateSnapshot loaded;
  ASSERT_TRUE(Open()->Load(&loaded).ok());
  const ResourceInstance& back = loaded.instances.at("x[0]");
  EXPECT_EQ("/tmp/caf\xEF\xBF\xBD.log", back.outputs.value()["log"]);
  EXPECT_EQ("\xEF\xBF\xBD", back.tags.at("label"));
  std::vector<Event> events;
  ASSERT_TRUE(store->Events(0, &events).ok());
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ("app\xEF\xBF\xBD", events[0].detail["labels"]["node"]);
}

TEST_F(SqliteStateStoreTest, DamagedFileGivesClearErrorAndIsNotChanged) {
  {
    auto store = Open();
    StateChange c;
    for (int i = 0; i < 200; ++i) c.put.push_back(Instance(i));
    int64_t serial;
    ASSERT_TRUE(store->Commit(c, &serial).ok());
  }
  std::string bytes = ReadBytes(path_);
  ASSERT_GT(bytes.size(), 5u * 4096);
  // Overwrite the third page onwards with garbage.
  for (size_t i = 2 * 4096; i < bytes.size(); i += 7) bytes[i] = '\x5a';
  dir_.Write("occam.db", bytes);
  Status s;
  auto store = Open(&s);
  StateSnapshot snapshot;
  if (store) s = store->Load(&snapshot);
  EXPECT_EQ(Status::Code::kCorruption, s.code()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(" is damaged ("))
      << s.message();
  EXPECT_NE(std::string::npos,
            s.message().find("occam has not changed it. Restore it from a "
                             "backup"))
      << s.message();
  store.reset();
  EXPECT_EQ(bytes, ReadBytes(path_));
}

TEST_F(SqliteStateStoreTest, UpgradesAFileOfTheFirstSchemaVersion) {
  // A state as the first schema version wrote it.
  RawSql("PRAGMA application_id = " + std::to_string(kStateApplicationId) +
         ";" + StateMigrations()[0] +
         "INSERT INTO meta VALUES ('lineage', 'l-1'), ('serial', '7'), "
         "('infra_id', 'i-1');"
         "INSERT INTO instances VALUES ('app[0]', 'app', 0, 'dummy', 'p-0', "
         "'ready', '{\"a\":1}', '{\"ip\":\"10.0.0.1\"}', 3);"
         "INSERT INTO desired_counts VALUES ('app', 2);"
         "INSERT INTO events (time_ms, kind, node, message, detail) VALUES "
         "(1, 'scale', 'app', 'scaled', '{}');"
         "PRAGMA user_version = 1;");
  auto store = Open();
  ASSERT_NE(nullptr, store);
  StateSnapshot s;
  ASSERT_TRUE(store->Load(&s).ok());
  EXPECT_EQ("l-1", s.lineage);
  EXPECT_EQ(7, s.serial);
  const ResourceInstance& app = s.instances.at("app[0]");
  EXPECT_EQ("p-0", app.provider_id);
  EXPECT_EQ(1, app.attributes.value()["a"]);
  EXPECT_TRUE(app.tags.empty());
  EXPECT_TRUE(app.dependencies.empty());
  EXPECT_FALSE(app.remove_requested);
  EXPECT_EQ(2, s.desired_counts.at("app"));
  std::vector<Event> events;
  ASSERT_TRUE(store->Events(0, &events).ok());
  EXPECT_EQ(1u, events.size());
  // The lock table came with version 2.
  LockInfo holder;
  EXPECT_TRUE(store->TryLock({"id", "plan", "w", "h", 1, 1, 1}, &holder).ok());
  int64_t version = 0;
  SqliteDb db;
  ASSERT_TRUE(db.Open(path_, SQLITE_OPEN_READONLY).ok());
  ASSERT_TRUE(db.QueryInt("PRAGMA user_version", &version).ok());
  EXPECT_EQ(CurrentStateSchemaVersion(), version);
}

// Commits x[serial+1] with desired count serial+1, forever.
[[noreturn]] void CommitForever(const std::string& path) {
  std::unique_ptr<SqliteStateStore> store;
  if (!SqliteStateStore::Open(path, {}, &store).ok()) _exit(3);
  StateSnapshot s;
  if (!store->Load(&s).ok()) _exit(4);
  for (int64_t next = s.serial + 1;; ++next) {
    StateChange c;
    ResourceInstance r;
    r.address = InstanceAddress("x", static_cast<int>(next));
    r.node = "x";
    r.index = static_cast<int>(next);
    r.attributes = StoredJson(nlohmann::json{{"payload", std::string(500, 'p')}});
    c.put.push_back(r);
    c.set_desired["x"] = static_cast<int>(next);
    int64_t serial;
    if (!store->Commit(c, &serial).ok() || serial != next) _exit(5);
  }
}

TEST_F(SqliteStateStoreTest, KillDuringCommitsLeavesAWholeSerial) {
  Open().reset();
  std::mt19937 random(7);
  int64_t before = 0;
  for (int round = 0; round < 12; ++round) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) CommitForever(path_);
    // Kill only once the child is committing (a kill before its first
    // commit would test nothing), at a random moment after that.
    StateSnapshot seen;
    for (int i = 0; i < 2500 && seen.serial <= before; ++i) {
      usleep(2000);
      ASSERT_TRUE(Open()->Load(&seen).ok());
    }
    ASSERT_GT(seen.serial, before) << "the child never committed";
    usleep(random() % 30000);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited " << WEXITSTATUS(status);

    StateSnapshot s;
    Status loaded = Open()->Load(&s);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
    // Every serial is one instance and one count, all or nothing.
    EXPECT_EQ(static_cast<size_t>(s.serial), s.instances.size());
    EXPECT_GE(s.serial, seen.serial);  // nothing committed was lost
    before = s.serial;
    if (s.serial > 0) {
      EXPECT_EQ(s.serial, s.desired_counts.at("x"));
      EXPECT_EQ(1u, s.instances.count(InstanceAddress("x", s.serial)));
    }
  }
}

TEST_F(SqliteStateStoreTest, ConcurrentWritersLoseNothing) {
  Open().reset();
  const int kCommits = 40;
  std::vector<pid_t> children;
  for (int writer = 0; writer < 2; ++writer) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::unique_ptr<SqliteStateStore> store;
      if (!SqliteStateStore::Open(path_, {}, &store).ok()) _exit(3);
      for (int i = 0; i < kCommits; ++i) {
        StateChange c;
        ResourceInstance r;
        r.node = "w" + std::to_string(writer);
        r.index = i;
        r.address = InstanceAddress(r.node, i);
        c.put.push_back(r);
        int64_t serial;
        if (!store->Commit(c, &serial).ok()) _exit(4);
      }
      _exit(0);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  StateSnapshot s;
  ASSERT_TRUE(Open()->Load(&s).ok());
  EXPECT_EQ(2 * kCommits, s.serial);
  EXPECT_EQ(2u * kCommits, s.instances.size());
}

// The serial another SQLite program reads (python3's sqlite3: a separate
// process, as an occam command run beside a daemon is); -1 when it cannot.
// Closing its connection checkpoints the WAL when it believes it is the
// last one.
int64_t SerialSeenByAnotherProcess(const std::string& path) {
  std::string command =
      "python3 -c \"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
      "print(c.execute(\\\"SELECT value FROM meta WHERE key = 'serial'\\\")"
      ".fetchone()[0]); c.close()\" " + path;
  FILE* out = popen(command.c_str(), "r");
  if (!out) return -1;
  long long serial = -1;
  if (fscanf(out, "%lld", &serial) != 1) serial = -1;
  pclose(out);
  return serial;
}

// A daemon holds two connections (decisions and applies) while other occam
// commands open and close the file. POSIX drops all of a process's locks
// on a file when any of its descriptors for it is closed: opening a second
// connection must not close one (it once read the header that way), or the
// next command to close believes it is the last, checkpoints and deletes
// the WAL the daemon still writes to, and the daemon's commits are lost.
TEST_F(SqliteStateStoreTest, CommandsBesideADaemonLoseNothing) {
  auto decisions = Open();
  auto applies = Open();
  ASSERT_TRUE(decisions && applies);
  int64_t serial = 0;
  for (int i = 0; i < 3; ++i) {
    StateChange c;
    c.put.push_back(Instance(i));
    ASSERT_TRUE((i % 2 ? applies : decisions)->Commit(c, &serial).ok());
    EXPECT_EQ(serial, SerialSeenByAnotherProcess(path_)) << "commit " << i;
  }
  decisions.reset();
  applies.reset();
  StateSnapshot s;
  ASSERT_TRUE(Open()->Load(&s).ok());
  EXPECT_EQ(3, s.serial);
  EXPECT_EQ(3u, s.instances.size());
}

TEST_F(SqliteStateStoreTest, ReadOnlyOpensReadAndNeverWrite) {
  StateOpenOptions read_only;
  read_only.read_only = true;
  std::unique_ptr<SqliteStateStore> store;
  Status missing = SqliteStateStore::Open(path_, read_only, &store);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_FALSE(std::filesystem::exists(path_));
  {
    StateChange c;
    c.put.push_back(Instance(0));
    int64_t serial = 0;
    ASSERT_TRUE(Open()->Commit(c, &serial).ok());
  }
  ASSERT_TRUE(SqliteStateStore::Open(path_, read_only, &store).ok());
  StateSnapshot s;
  ASSERT_TRUE(store->Load(&s).ok());
  EXPECT_EQ(1u, s.instances.size());
  StateChange c;
  c.put.push_back(Instance(1));
  int64_t serial = 0;
  EXPECT_FALSE(store->Commit(c, &serial).ok());
  StateSnapshot after;
  ASSERT_TRUE(Open()->Load(&after).ok());
  EXPECT_EQ(1u, after.instances.size());
}

// A reader beside a writer (history --follow beside serve) sees every
// commit made after it opened, those still in the -wal included: it must
// never fall back to reading the file as a frozen snapshot (immutable=1)
// while its folder can be written.
TEST_F(SqliteStateStoreTest, AReaderBesideAWriterSeesLaterCommits) {
  auto writer = Open();
  ASSERT_TRUE(writer);
  std::atomic<int64_t> committed{0};
  std::atomic<bool> stop{false};
  std::thread commits([&] {
    for (int i = 0; !stop && i < 100000; ++i) {
      StateChange c;
      c.put.push_back(Instance(i % 8));
      int64_t serial = 0;
      if (!writer->Commit(c, &serial).ok()) return;
      committed = serial;
    }
  });
  StateOpenOptions read_only;
  read_only.read_only = true;
  for (int round = 0; round < 50; ++round) {
    std::unique_ptr<SqliteStateStore> reader;
    Status s = SqliteStateStore::Open(path_, read_only, &reader);
    ASSERT_TRUE(s.ok()) << s.ToString();
    int64_t before = committed;
    StateSnapshot seen;
    for (int i = 0; i < 1000 && seen.serial <= before + 1; ++i) {
      ASSERT_TRUE(reader->Load(&seen).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_GT(seen.serial, before + 1) << "round " << round << ": the reader stopped seeing commits";
  }
  stop = true;
  commits.join();
}

TEST_F(SqliteStateStoreTest, EmptyFileBecomesANewState) {
  dir_.Write("occam.db", "");
  StateSnapshot s;
  ASSERT_TRUE(Open()->Load(&s).ok());
  EXPECT_FALSE(s.lineage.empty());
}

}  // namespace
}  // namespace occam
