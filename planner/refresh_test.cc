#include "planner/refresh.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

using nlohmann::json;

// Objects by id with the outputs Read reports; anything else is gone.
class FakeProvider : public Provider {
 public:
  std::map<std::string, json> objects;
  Status Create(const ResourceRequest&, ResourceObject*) override {
    return Status::Internal("unused");
  }
  Status Read(const std::string& id, ResourceObject* out) override {
    auto it = objects.find(id);
    if (it == objects.end()) return Status::NotFound(id);
    out->id = id;
    out->outputs = it->second;
    return Status::Ok();
  }
  Status Update(const std::string&, const ResourceRequest&,
                ResourceObject*) override {
    return Status::Internal("unused");
  }
  void ReadMany(const std::vector<std::string>& ids, std::vector<Status>* statuses,
                std::vector<ResourceObject>* objects_read) override {
    batches.push_back(ids);
    Provider::ReadMany(ids, statuses, objects_read);
  }
  std::vector<std::vector<std::string>> batches;
  Status Delete(const std::string&) override { return Status::Ok(); }
  Status FindByTags(const OwnershipTags&, std::vector<ResourceObject>*) override {
    return Status::Ok();
  }
};

ResourceInstance Instance(const std::string& address, const std::string& id,
                          json outputs) {
  ResourceInstance r;
  r.address = address;
  r.provider = "fake";
  r.provider_id = id;
  r.outputs = StoredJson(std::move(outputs));
  return r;
}

TEST(Refresh, GoneObjectsAreMarkedAndReportedOutputsMerged) {
  auto owned = std::make_unique<FakeProvider>();
  FakeProvider* fake = owned.get();
  ProviderRegistry providers({});
  providers.Set("fake", std::move(owned));
  fake->objects["1"] = json::object();                 // reports nothing
  fake->objects["2"] = {{"ip", "10.0.0.9"}};           // moved
  StateSnapshot state;
  state.instances["a[0]"] = Instance("a[0]", "1", {{"ip", "10.0.0.1"}});
  state.instances["a[1]"] = Instance("a[1]", "2", {{"ip", "10.0.0.2"}, {"log", "x"}});
  state.instances["a[2]"] = Instance("a[2]", "3", {{"ip", "10.0.0.3"}});
  ResourceInstance other = Instance("c[0]", "", json::object());
  other.provider = "nova";  // no provider: left alone
  state.instances["c[0]"] = other;
  StateChange change;
  ASSERT_TRUE(RefreshState(&providers, &state, &change).ok());
  EXPECT_EQ(InstanceStatus::kReady, state.instances["a[0]"].status);
  EXPECT_EQ(json({{"ip", "10.0.0.1"}}), state.instances["a[0]"].outputs.value());
  EXPECT_EQ(json({{"ip", "10.0.0.9"}, {"log", "x"}}),
            state.instances["a[1]"].outputs.value());
  EXPECT_EQ(InstanceStatus::kGone, state.instances["a[2]"].status);
  ASSERT_EQ(2u, change.put.size());
  EXPECT_EQ("a[1]", change.put[0].address);
  EXPECT_EQ("a[2]", change.put[1].address);
}

// A provider is asked about all of its instances at once (ec2 reads them in
// one DescribeInstances per endpoint), and the answers are taken in the
// order of the addresses.
TEST(Refresh, EachProviderReadsItsInstancesInOneBatch) {
  auto a = std::make_unique<FakeProvider>(), b = std::make_unique<FakeProvider>();
  FakeProvider *fa = a.get(), *fb = b.get();
  ProviderRegistry providers({});
  providers.Set("fa", std::move(a));
  providers.Set("fb", std::move(b));
  StateSnapshot state;
  for (int i = 0; i < 4; ++i) {
    std::string address = "n[" + std::to_string(i) + "]";
    state.instances[address] = Instance(address, "id" + std::to_string(i), json::object());
    state.instances[address].provider = i % 2 ? "fb" : "fa";
    (i % 2 ? fb : fa)->objects["id" + std::to_string(i)] = {{"ip", std::to_string(i)}};
  }
  std::vector<std::string> seen;
  StateChange change;
  ASSERT_TRUE(RefreshState(&providers, &state, &change,
                           [&](const ResourceInstance& r, bool done) {
                             if (done) seen.push_back(r.address);
                           }).ok());
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"id0", "id2"}}), fa->batches);
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"id1", "id3"}}), fb->batches);
  EXPECT_EQ((std::vector<std::string>{"n[0]", "n[1]", "n[2]", "n[3]"}), seen);
  ASSERT_EQ(4u, change.put.size());
  EXPECT_EQ("3", state.instances["n[3]"].outputs.value()["ip"]);
}

}  // namespace
}  // namespace occam
