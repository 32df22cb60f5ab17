// One suite for every StateStore implementation: the SQLite store and the
// in-memory fake must behave the same.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "base/uuid.h"
#include "state/memory_state_store.h"
#include "state/postgres_state_store.h"
#include "state/sealing_state_store.h"
#include "state/sqlite_state_store.h"
#include "tests/postgres_server.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

// `make` opens the state at `where` (a new one when "" ); `where` then
// names it for a second handle (another process's connection), or stays ""
// for a store that has no second handle (the in-memory fake).
struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<StateStore>(const testing::TempDir&,
                                            std::string* where)>
      make;
};

void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

class StateStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    if (GetParam().name == "Postgres") {
      OCCAM_REQUIRE_POSTGRES();
    }
    store_ = GetParam().make(dir_, &where_);
    ASSERT_TRUE(store_);
  }
  void TearDown() override {
    StateStore* store = store_.get();
    if (auto* sealing = dynamic_cast<SealingStateStore*>(store)) {
      store = sealing->inner();
    }
    auto* pg = dynamic_cast<PostgresStateStore*>(store);
    if (pg) {
      EXPECT_TRUE(pg->DropSchema().ok());
    }
  }
  // A second handle on the same state, as another process has; null for a
  // store without one.
  std::unique_ptr<StateStore> Reopen() {
    if (where_.empty()) return nullptr;
    std::string where = where_;
    return GetParam().make(dir_, &where);
  }

  ResourceInstance Instance(const std::string& node, int index) {
    ResourceInstance r;
    r.address = InstanceAddress(node, index);
    r.node = node;
    r.index = index;
    r.provider = "dummy";
    r.provider_id = "id-" + r.address;
    r.status = InstanceStatus::kReady;
    r.attributes = StoredJson(json{{"size", "small"}, {"list", {1, 2}}});
    r.outputs = StoredJson(json{{"ip", "127.0.0.1"}});
    r.sensitive = StoredJson(json{{"password", true}});
    r.tags = {{"occam.address", r.address}};
    r.dependencies = {"db"};
    r.created_serial = 1;
    return r;
  }

  StateSnapshot Load() {
    StateSnapshot s;
    Status status = store_->Load(&s);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return s;
  }

  testing::TempDir dir_;
  std::string where_;
  std::unique_ptr<StateStore> store_;
};

TEST_P(StateStoreConformance, NewStateHasIdentityAndNothingElse) {
  StateSnapshot s = Load();
  EXPECT_TRUE(IsUuid(s.lineage)) << s.lineage;
  EXPECT_TRUE(IsUuid(s.infra_id)) << s.infra_id;
  EXPECT_NE(s.lineage, s.infra_id);
  EXPECT_EQ(0, s.serial);
  EXPECT_TRUE(s.instances.empty());
  EXPECT_TRUE(s.desired_counts.empty());
}

TEST_P(StateStoreConformance, CommitRoundTripsEveryField) {
  StateChange c;
  ResourceInstance app = Instance("app", 2);
  app.status = InstanceStatus::kTainted;
  app.remove_requested = true;
  app.deposed = "the-replaced-object";
  c.put = {Instance("db", 0), app};
  c.set_desired = {{"app", 3}, {"db", 1}};
  int64_t serial = 0;
  ASSERT_TRUE(store_->Commit(c, &serial).ok());
  EXPECT_EQ(1, serial);
  StateSnapshot s = Load();
  EXPECT_EQ(1, s.serial);
  ASSERT_EQ(2u, s.instances.size());
  EXPECT_EQ(app, s.instances.at("app[2]"));
  EXPECT_EQ(Instance("db", 0), s.instances.at("db[0]"));
  EXPECT_EQ(3, s.desired_counts.at("app"));
}

TEST_P(StateStoreConformance, EveryCommitIsOneSerial) {
  std::string lineage = Load().lineage;
  int64_t serial = 0;
  for (int i = 0; i < 5; ++i) {
    StateChange c;
    c.put.push_back(Instance("app", i));
    ASSERT_TRUE(store_->Commit(c, &serial).ok());
  }
  EXPECT_EQ(5, serial);
  StateChange remove;
  remove.remove = {"app[1]", "app[3]"};
  remove.clear_desired = {"app"};
  ASSERT_TRUE(store_->Commit(remove, &serial).ok());
  StateSnapshot s = Load();
  EXPECT_EQ(6, s.serial);
  EXPECT_EQ(lineage, s.lineage);
  EXPECT_EQ(3u, s.instances.size());
  EXPECT_EQ(0u, s.instances.count("app[1]"));
}

TEST_P(StateStoreConformance, EventsNewestFirstWithLimit) {
  int64_t serial = 0;
  for (int i = 1; i <= 3; ++i) {
    StateChange c;
    Event e;
    e.kind = "scale";
    e.node = "app";
    e.message = "event " + std::to_string(i);
    e.detail = {{"cause", "cli"}};
    c.events.push_back(e);
    ASSERT_TRUE(store_->Commit(c, &serial).ok());
  }
  std::vector<Event> events;
  ASSERT_TRUE(store_->Events(2, &events).ok());
  ASSERT_EQ(2u, events.size());
  EXPECT_EQ("event 3", events[0].message);
  EXPECT_EQ("event 2", events[1].message);
  EXPECT_GT(events[0].id, events[1].id);
  EXPECT_GT(events[0].time_ms, 0);
  EXPECT_EQ("cli", events[0].detail["cause"]);
  ASSERT_TRUE(store_->Events(0, &events).ok());
  EXPECT_EQ(3u, events.size());
}

TEST_P(StateStoreConformance, LockIsExclusiveUntilUnlocked) {
  LockInfo a{"id-a", "apply", "me@h", "h", 1, 2, 3};
  LockInfo b{"id-b", "plan", "you@h", "h", 4, 5, 6};
  LockInfo holder;
  ASSERT_TRUE(store_->TryLock(a, &holder).ok());
  Status busy = store_->TryLock(b, &holder);
  EXPECT_EQ(Status::Code::kBusy, busy.code());
  EXPECT_EQ(a, holder);
  std::optional<LockInfo> current;
  ASSERT_TRUE(store_->CurrentLock(&current).ok());
  EXPECT_EQ(a, current);
  EXPECT_TRUE(store_->Unlock("id-b").IsNotFound());
  ASSERT_TRUE(store_->Unlock("id-a").ok());
  ASSERT_TRUE(store_->CurrentLock(&current).ok());
  EXPECT_FALSE(current.has_value());
  EXPECT_TRUE(store_->TryLock(b, &holder).ok());
}

TEST_P(StateStoreConformance, SettingsAndTextThatIsNotUtf8RoundTrip) {
  StateChange c;
  c.set_settings = {{"daemon", "{\"pid\":1}"}, {"other", "x"}};
  Event e;
  e.kind = "scale";
  e.message = "label \xff\xfe from an alert";
  e.detail = {{"value", "\xff"}};
  c.events.push_back(e);
  int64_t serial = 0;
  ASSERT_TRUE(store_->Commit(c, &serial).ok());
  StateChange clear;
  clear.set_settings = {{"other", ""}};
  ASSERT_TRUE(store_->Commit(clear, &serial).ok());
  StateSnapshot s = Load();
  EXPECT_EQ((std::map<std::string, std::string>{{"daemon", "{\"pid\":1}"}}),
            s.settings);
  std::vector<Event> events;
  ASSERT_TRUE(store_->Events(0, &events).ok());
  ASSERT_EQ(1u, events.size());
  EXPECT_NE(std::string::npos, events[0].message.find("from an alert"));
}

TEST_P(StateStoreConformance, TwoHandlesShareOneLockAndOneSerial) {
  std::unique_ptr<StateStore> other = Reopen();
  if (!other) GTEST_SKIP() << GetParam().name << " has no second handle";
  LockInfo a{"id-a", "apply", "me@h", "h", 1, 2, 3};
  LockInfo b{"id-b", "apply", "you@h", "h", 4, 5, 6};
  LockInfo holder;
  ASSERT_TRUE(store_->TryLock(a, &holder).ok());
  Status busy = other->TryLock(b, &holder);
  EXPECT_EQ(Status::Code::kBusy, busy.code()) << busy.ToString();
  EXPECT_EQ(a, holder);
  // Removing another live holder's lock is refused where the store knows
  // it lives (PostgreSQL: its connection holds it); SQLite leaves that
  // judgement to force-unlock, which asks whether the process runs.
  if (GetParam().name == "Postgres") {
    Status live = other->Unlock("id-a");
    EXPECT_EQ(Status::Code::kBusy, live.code()) << live.ToString();
    EXPECT_NE(std::string::npos, live.message().find("live connection")) << live.ToString();
  }
  ASSERT_TRUE(store_->Unlock("id-a").ok());
  ASSERT_TRUE(other->TryLock(b, &holder).ok());
  int64_t s1 = 0, s2 = 0;
  StateChange c;
  c.put.push_back(Instance("app", 0));
  ASSERT_TRUE(store_->Commit(c, &s1).ok());
  c.put[0] = Instance("app", 1);
  ASSERT_TRUE(other->Commit(c, &s2).ok());
  EXPECT_EQ(s1 + 1, s2);
  StateSnapshot s;
  ASSERT_TRUE(other->Load(&s).ok());
  EXPECT_EQ(2u, s.instances.size());
  EXPECT_EQ(Load().lineage, s.lineage);
  ASSERT_TRUE(other->Unlock("id-b").ok());
}

TEST_P(StateStoreConformance, ALargeCommitIsOneSerial) {
  StateChange c;
  for (int i = 0; i < 1000; ++i) c.put.push_back(Instance("app", i));
  int64_t serial = 0;
  ASSERT_TRUE(store_->Commit(c, &serial).ok());
  EXPECT_EQ(1, serial);
  StateSnapshot after = Load();
  EXPECT_EQ(1, after.serial);
  EXPECT_EQ(1000u, after.instances.size());
  EXPECT_EQ(Instance("app", 999), after.instances.at("app[999]"));
}

TEST_P(StateStoreConformance, ReplaceCopiesAStateWithItsIdentityAndEvents) {
  StateSnapshot copy;
  copy.lineage = NewUuid();
  copy.infra_id = NewUuid();
  copy.serial = 41;
  copy.instances = {{"app[0]", Instance("app", 0)}, {"db[0]", Instance("db", 0)}};
  copy.desired_counts = {{"app", 1}};
  copy.settings = {{"daemon", "{}"}};
  std::vector<Event> events;
  for (int64_t id : {3, 7, 12}) {
    Event e;
    e.id = id;
    e.time_ms = 1000 + id;
    e.kind = "apply";
    e.message = "event " + std::to_string(id);
    e.detail = {{"n", id}};
    events.push_back(e);
  }
  int64_t serial = 0;
  StateChange before;
  before.put.push_back(Instance("old", 0));
  ASSERT_TRUE(store_->Commit(before, &serial).ok());
  Status s = store_->Replace(copy, events);
  ASSERT_TRUE(s.ok()) << s.ToString();
  StateSnapshot got_state = Load();
  EXPECT_EQ(copy.lineage, got_state.lineage);
  EXPECT_EQ(copy.infra_id, got_state.infra_id);
  EXPECT_EQ(copy.serial, got_state.serial);
  EXPECT_EQ(copy.instances, got_state.instances);
  EXPECT_EQ(copy.desired_counts, got_state.desired_counts);
  EXPECT_EQ(copy.settings, got_state.settings);
  std::vector<Event> got;
  ASSERT_TRUE(store_->Events(0, &got).ok());
  ASSERT_EQ(3u, got.size());
  EXPECT_EQ(12, got[0].id);
  EXPECT_EQ(1012, got[0].time_ms);
  EXPECT_EQ(3, got[2].id);
  // It goes on from there: the next serial, and events after the last.
  StateChange next;
  next.events.push_back(events[0]);
  next.events[0].id = 0;
  ASSERT_TRUE(store_->Commit(next, &serial).ok());
  EXPECT_EQ(42, serial);
  ASSERT_TRUE(store_->Events(1, &got).ok());
  EXPECT_GT(got[0].id, 12);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, StateStoreConformance,
    ::testing::Values(
        StoreFactory{"Memory",
                     [](const testing::TempDir&, std::string*) {
                       return std::unique_ptr<StateStore>(
                           new MemoryStateStore(NewUuid(), NewUuid()));
                     }},
        StoreFactory{"Sqlite",
                     [](const testing::TempDir& dir, std::string* where) {
                       *where = dir.Path("occam.db");
                       std::unique_ptr<StateStore> store;
                       Status s = OpenStateStore(*where, {}, &store);
                       EXPECT_TRUE(s.ok()) << s.ToString();
                       return store;
                     }},
        // Secrets sealed on the way in, opened on the way out: the same
        // contract.
        StoreFactory{"SealedSqlite",
                     [](const testing::TempDir& dir, std::string* where) {
                       *where = dir.Path("occam.db");
                       StateOpenOptions options;
                       SecretKey key;
                       EXPECT_TRUE(ParseSecretKey(
                           "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=", "test", &key).ok());
                       options.keys.keys.push_back(key);
                       options.keys.can_seal = true;
                       std::unique_ptr<StateStore> store;
                       Status s = OpenStateStore(*where, options, &store);
                       EXPECT_TRUE(s.ok()) << s.ToString();
                       return store;
                     }},
        StoreFactory{"Postgres",
                     [](const testing::TempDir&, std::string* where) {
                       if (where->empty()) *where = testing::NewPostgresState();
                       std::unique_ptr<StateStore> store;
                       Status s = OpenStateStore(*where, {}, &store);
                       EXPECT_TRUE(s.ok()) << s.ToString();
                       return store;
                     }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace occam
