#include "state/state_snapshot.h"
#include "state/stored_json.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

TEST(StateSnapshot, AddressesRoundTrip) {
  EXPECT_EQ("app[12]", InstanceAddress("app", 12));
  std::string node;
  int index = -1;
  EXPECT_TRUE(ParseInstanceAddress("ping-receiver[3]", &node, &index));
  EXPECT_EQ("ping-receiver", node);
  EXPECT_EQ(3, index);
  for (const char* bad : {"app", "app[]", "[1]", "app[-1]", "app[1", "app[x]"}) {
    EXPECT_FALSE(ParseInstanceAddress(bad, &node, &index)) << bad;
  }
}

TEST(StateSnapshot, InstancesOfAreOrderedByIndexNotText) {
  StateSnapshot s;
  StateChange c;
  for (int i : {10, 2, 1}) {
    ResourceInstance r;
    r.address = InstanceAddress("app", i);
    r.node = "app";
    r.index = i;
    c.put.push_back(r);
  }
  ResourceInstance other;
  other.address = "app-db[0]";
  other.node = "app-db";
  c.put.push_back(other);
  ApplyChange(c, &s);
  std::vector<int> indices;
  for (auto* r : s.InstancesOf("app")) indices.push_back(r->index);
  EXPECT_EQ((std::vector<int>{1, 2, 10}), indices);
  EXPECT_EQ(1u, s.InstancesOf("app-db").size());
}

TEST(StateSnapshot, ApplyChangeRemovesPutsAndCounts) {
  StateSnapshot s;
  s.desired_counts["old"] = 3;
  StateChange c;
  ResourceInstance r;
  r.address = "a[0]";
  c.put.push_back(r);
  c.set_desired["a"] = 2;
  c.clear_desired.push_back("old");
  ApplyChange(c, &s);
  EXPECT_EQ(1u, s.instances.size());
  EXPECT_EQ(2, s.desired_counts.at("a"));
  EXPECT_EQ(0u, s.desired_counts.count("old"));
  StateChange remove;
  remove.remove.push_back("a[0]");
  ApplyChange(remove, &s);
  EXPECT_TRUE(s.instances.empty());
}

TEST(StoredJson, DamagedOrTooDeepTextReadsAsNull) {
  EXPECT_TRUE(StoredJson::FromText("{not json").value().is_null());
  // A value per open bracket: 60 MiB of '[' took 4.7 GB to parse.
  EXPECT_TRUE(StoredJson::FromText(std::string(100000, '[')).value().is_null());
  EXPECT_EQ(nlohmann::json::parse("[[1]]"),
            StoredJson::FromText("[[1]]").value());
  std::string deep_but_fine = std::string(256, '[') + std::string(256, ']');
  EXPECT_TRUE(StoredJson::FromText(deep_but_fine).value().is_array());
}

}  // namespace
}  // namespace occam
