#include "state/sealing_state_store.h"

#include <gtest/gtest.h>

#include "base/uuid.h"
#include "state/memory_state_store.h"
#include "state/sealed_secrets.h"
#include "state/state_settings.h"

namespace occam {
namespace {

using nlohmann::json;

const char kKey[] = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const char kOldKey[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

SecretKeyring Ring(std::vector<const char*> texts, bool can_seal = true) {
  SecretKeyring ring;
  for (const char* t : texts) {
    SecretKey key;
    EXPECT_TRUE(ParseSecretKey(t, "test", &key).ok());
    ring.keys.push_back(key);
  }
  ring.can_seal = can_seal && !ring.keys.empty();
  return ring;
}

ResourceInstance Db(int index, const std::string& password) {
  ResourceInstance r;
  r.address = InstanceAddress("db", index);
  r.node = "db";
  r.index = index;
  r.provider = "dummy";
  r.provider_id = "dummy-" + std::to_string(index);
  r.attributes = StoredJson(json{{"password", password}, {"size", 3}});
  r.sensitive = StoredJson(json{{"password", true}});
  return r;
}

// A SealingStateStore over a MemoryStateStore the test reads behind its
// back, as an attacker reads a file or a dump.
class SealingStateStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SealingStateStore> Open(SecretKeyring ring) {
    return std::make_unique<SealingStateStore>(
        std::make_unique<SharedMemoryStore>(&raw_), std::move(ring));
  }
  // What is stored, as stored.
  StateSnapshot Raw() {
    StateSnapshot s;
    EXPECT_TRUE(raw_.Load(&s).ok());
    return s;
  }
  Status Put(StateStore* store, const ResourceInstance& r,
             const std::string& source = "") {
    StateSnapshot loaded;
    Status s = store->Load(&loaded);
    StateChange change;
    change.put.push_back(r);
    if (!source.empty()) change.set_settings[kAppliedSourceSetting] = source;
    int64_t serial = 0;
    return s.ok() ? store->Commit(change, &serial) : s;
  }

  // Forwards to a store the fixture keeps.
  class SharedMemoryStore : public StateStore {
   public:
    explicit SharedMemoryStore(MemoryStateStore* m) : m_(m) {}
    Status Load(StateSnapshot* out) override { return m_->Load(out); }
    Status Commit(const StateChange& c, int64_t* serial) override {
      return m_->Commit(c, serial);
    }
    Status Events(int limit, std::vector<Event>* out) override {
      return m_->Events(limit, out);
    }
    Status TryLock(const LockInfo& me, LockInfo* holder) override {
      return m_->TryLock(me, holder);
    }
    Status Unlock(const std::string& id) override { return m_->Unlock(id); }
    Status CurrentLock(std::optional<LockInfo>* holder) override {
      return m_->CurrentLock(holder);
    }
    Status Replace(const StateSnapshot& s, const std::vector<Event>& e) override {
      return m_->Replace(s, e);
    }

   private:
    MemoryStateStore* m_;
  };

  MemoryStateStore raw_{NewUuid(), NewUuid()};
};

TEST_F(SealingStateStoreTest, SecretsAreStoredSealedAndLoadOpen) {
  auto store = Open(Ring({kKey}));
  ASSERT_TRUE(Put(store.get(), Db(0, "hunter2"),
                  R"({"var_assignments":["db_password=hunter3","size=3"]})").ok());
  StateSnapshot raw = Raw();
  std::string stored = raw.instances.at("db[0]").attributes.text();
  EXPECT_EQ(std::string::npos, stored.find("hunter2")) << stored;
  EXPECT_TRUE(MayHoldSealed(stored));
  EXPECT_NE(std::string::npos, stored.find("\"size\":3"));  // not secret
  EXPECT_EQ(std::string::npos, raw.settings.at(kAppliedSourceSetting).find("hunter3"));
  EXPECT_NE(std::string::npos, raw.settings.at(kAppliedSourceSetting).find("size=3"));
  EXPECT_EQ(store->SecretsReadable().ok(), true);

  StateSnapshot loaded;
  ASSERT_TRUE(Open(Ring({kKey}))->Load(&loaded).ok());
  EXPECT_EQ("hunter2", loaded.instances.at("db[0]").attributes.value()["password"]);
  EXPECT_NE(std::string::npos, loaded.settings.at(kAppliedSourceSetting).find("hunter3"));
  // The key's id is the store's own record: stored, not loaded.
  EXPECT_EQ(Ring({kKey}).keys[0].id, Raw().settings.at(kStateKeySetting));
  EXPECT_EQ(0u, loaded.settings.count(kStateKeySetting));
}

TEST_F(SealingStateStoreTest, WithoutTheKeyValuesStaySealedAndPlainSecretsAreRefused) {
  ASSERT_TRUE(Put(Open(Ring({kKey})).get(), Db(0, "hunter2")).ok());
  auto keyless = Open(SecretKeyring());
  StateSnapshot loaded;
  ASSERT_TRUE(keyless->Load(&loaded).ok());
  EXPECT_TRUE(MayHoldSealed(loaded.instances.at("db[0]").attributes.text()));
  Status readable = keyless->SecretsReadable();
  ASSERT_FALSE(readable.ok());
  EXPECT_NE(std::string::npos, readable.message().find(Ring({kKey}).keys[0].id))
      << readable.message();
  EXPECT_NE(std::string::npos, readable.message().find("OCCAM_STATE_KEY"));

  // What carries the sealed values as they are (taint, state mv) works.
  int64_t before = Raw().serial;
  ResourceInstance tainted = loaded.instances.at("db[0]");
  tainted.status = InstanceStatus::kTainted;
  StateChange change;
  change.put.push_back(tainted);
  int64_t serial = 0;
  ASSERT_TRUE(keyless->Commit(change, &serial).ok());
  EXPECT_EQ(before + 1, Raw().serial);

  // A secret in plain text is not written into a sealed state.
  Status s = Put(keyless.get(), Db(1, "plain-secret"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("db[1]")) << s.message();
  EXPECT_EQ(before + 1, Raw().serial);
  EXPECT_EQ(0u, Raw().instances.count("db[1]"));
}

TEST_F(SealingStateStoreTest, AStateNeverSealedIsUsedAsItIsWithoutAKey) {
  auto keyless = Open(SecretKeyring());
  ASSERT_TRUE(Put(keyless.get(), Db(0, "hunter2")).ok());
  EXPECT_EQ("hunter2", Raw().instances.at("db[0]").attributes.value()["password"]);
  EXPECT_EQ(0u, Raw().settings.count(kStateKeySetting));
  EXPECT_TRUE(keyless->SecretsReadable().ok());
}

TEST_F(SealingStateStoreTest, AnOldKeyOpensAndTheNewOneSeals) {
  ASSERT_TRUE(Put(Open(Ring({kOldKey})).get(), Db(0, "hunter2")).ok());
  std::string old_id = Ring({kOldKey}).keys[0].id, new_id = Ring({kKey}).keys[0].id;
  // The new key alone does not open what the old one sealed.
  auto only_new = Open(Ring({kKey}));
  StateSnapshot loaded;
  ASSERT_TRUE(only_new->Load(&loaded).ok());
  Status readable = only_new->SecretsReadable();
  ASSERT_FALSE(readable.ok());
  EXPECT_NE(std::string::npos, readable.message().find(old_id));
  EXPECT_NE(std::string::npos, readable.message().find(new_id));

  // Rekey: both keys given, the new one first; every instance put again.
  auto both = Open(Ring({kKey, kOldKey}));
  ASSERT_TRUE(both->Load(&loaded).ok());
  ASSERT_TRUE(both->SecretsReadable().ok());
  StateChange change;
  change.put.push_back(loaded.instances.at("db[0]"));
  int64_t serial = 0;
  ASSERT_TRUE(both->Commit(change, &serial).ok());
  StateSnapshot raw = Raw();
  EXPECT_EQ(new_id, SealedKeyId(raw.instances.at("db[0]").attributes.value()["password"]));
  EXPECT_EQ(new_id, raw.settings.at(kStateKeySetting));
  ASSERT_TRUE(Open(Ring({kKey}))->Load(&loaded).ok());
  EXPECT_EQ("hunter2", loaded.instances.at("db[0]").attributes.value()["password"]);
}

TEST_F(SealingStateStoreTest, ReplaceSealsWhatItCopies) {
  StateSnapshot copy;
  copy.lineage = NewUuid();
  copy.infra_id = "i";
  copy.serial = 4;
  copy.instances["db[0]"] = Db(0, "hunter2");
  ASSERT_TRUE(Open(Ring({kKey}))->Replace(copy, {}).ok());
  EXPECT_EQ(std::string::npos,
            Raw().instances.at("db[0]").attributes.text().find("hunter2"));
}

}  // namespace
}  // namespace occam
