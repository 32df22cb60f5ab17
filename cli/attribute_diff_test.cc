#include "cli/attribute_diff.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

using nlohmann::json;

TEST(AttributeDiff, CreatedValuesAreAllPlus) {
  DiffInput in;
  in.after = {{"name", "web"}, {"ports", {80, 443}}, {"env", {{"A", "1"}}}};
  EXPECT_EQ(
      "      + env   = {\n"
      "          + A = \"1\"\n"
      "        }\n"
      "      + name  = \"web\"\n"
      "      + ports = [\n"
      "          + 80,\n"
      "          + 443,\n"
      "        ]\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, ChangedLeavesOnlyWithHiddenCount) {
  DiffInput in;
  in.before = {{"size", "small"}, {"name", "db"}, {"zone", "a"}};
  in.after = {{"size", "large"}, {"name", "db"}, {"zone", "a"}};
  EXPECT_EQ(
      "      ~ size = \"small\" -> \"large\"\n"
      "        # (2 unchanged attributes hidden)\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, ForcedReplacementIsMarked) {
  DiffInput in;
  in.before = {{"resource", {{"name", "a"}}}};
  in.after = {{"resource", {{"name", "b"}}}};
  in.forces_replacement = {"resource.name"};
  EXPECT_EQ(
      "      ~ resource = {\n"
      "          ~ name = \"a\" -> \"b\" # forces replacement\n"
      "        }\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, UnknownAndSensitiveValues) {
  DiffInput in;
  in.before = {{"db", "10.0.0.1"}, {"password", "old"}};
  in.after = {{"password", "new"}};
  in.after_unknown = {{"db", true}};
  in.before_sensitive = {{"password", true}};
  in.after_sensitive = {{"password", true}};
  EXPECT_EQ(
      "      ~ db       = \"10.0.0.1\" -> (known after apply)\n"
      "      ~ password = (sensitive value)\n",
      RenderAttributeDiff(in, 1));
  DiffInput created;
  created.after = {{"password", "new"}};
  created.after_unknown = {{"ip", true}};
  created.after_sensitive = {{"password", true}};
  EXPECT_EQ(
      "      + ip       = (known after apply)\n"
      "      + password = (sensitive value)\n",
      RenderAttributeDiff(created, 1));
}

TEST(AttributeDiff, DestroyedValuesAreAllMinus) {
  DiffInput in;
  in.before = {{"a", 1}, {"b", {true, nullptr}}};
  EXPECT_EQ(
      "      - a = 1\n"
      "      - b = [\n"
      "          - true,\n"
      "          - null,\n"
      "        ]\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, MultiLineTextIsAHeredoc) {
  DiffInput in;
  in.after = {{"script", "#!/bin/sh\necho hi\n"}};
  EXPECT_EQ(
      "      + script = <<-EOT\n"
      "            #!/bin/sh\n"
      "            echo hi\n"
      "        EOT\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, ListElementChanges) {
  DiffInput in;
  in.before = {{"cmd", {"sleep", "10"}}};
  in.after = {{"cmd", {"sleep", "20"}}};
  EXPECT_EQ(
      "      ~ cmd = [\n"
      "            \"sleep\",\n"
      "          ~ \"10\" -> \"20\"\n"
      "        ]\n",
      RenderAttributeDiff(in, 1));
}

TEST(AttributeDiff, KeysThatAreNotIdentifiersAreQuoted) {
  DiffInput in;
  in.after = {{"a b", 1}};
  EXPECT_EQ("      + \"a b\" = 1\n", RenderAttributeDiff(in, 1));
}

}  // namespace
}  // namespace occam
