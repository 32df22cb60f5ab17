#include "base/value.h"

#include <gtest/gtest.h>

#include "descriptor/yaml_reader.h"

namespace occam {
namespace {

Value Parse(const std::string& text) {
  Value v;
  Diagnostics diags;
  EXPECT_TRUE(ReadYaml(text, std::make_shared<const std::string>("v.yaml"), {},
                       &v, &diags))
      << diags.ToString();
  return v;
}

TEST(Value, DeepMergeOverridesLeavesAndKeepsSiblings) {
  Value base = Parse("a: 1\nb: {x: 1, y: 2}\nc: [1, 2]\n");
  Value overlay = Parse("b: {y: 3, z: 4}\nc: [9]\nd: new\n");
  Value merged = DeepMerge(base, overlay);
  EXPECT_TRUE(merged.SameContent(
      Parse("a: 1\nb: {x: 1, y: 3, z: 4}\nc: [9]\nd: new\n")));
}

TEST(Value, DeepMergeOverNullBase) {
  Value merged = DeepMerge(Value(), Parse("a: 1\n"));
  EXPECT_EQ("1", merged.Find("a")->text());
}

TEST(Value, DeepMergeOfNothingKeepsBase) {
  Value merged = DeepMerge(Parse("a: 1\n"), Value());
  ASSERT_NE(nullptr, merged.Find("a"));
  EXPECT_EQ("1", merged.Find("a")->text());
}

TEST(Value, SameContentIgnoresKeyOrder) {
  EXPECT_TRUE(Parse("{a: 1, b: 2}").SameContent(Parse("{b: 2, a: 1}")));
  EXPECT_FALSE(Parse("{a: 1}").SameContent(Parse("{a: 2}")));
  EXPECT_FALSE(Parse("[1, 2]").SameContent(Parse("[2, 1]")));
}

TEST(Value, NumbersAndBooleans) {
  Value v = Parse("[12, -3, +4, 1.5, abc, 1e3]");
  EXPECT_EQ(12, v.items()[0].AsInt());
  EXPECT_EQ(-3, v.items()[1].AsInt());
  EXPECT_EQ(4, v.items()[2].AsInt());
  EXPECT_EQ(std::nullopt, v.items()[3].AsInt());
  EXPECT_EQ(1.5, v.items()[3].AsNumber());
  EXPECT_EQ(std::nullopt, v.items()[4].AsNumber());
  EXPECT_EQ(1000.0, v.items()[5].AsNumber());
}

// As PyYAML (YAML 1.1) reads them, so Occopus's numbers are occam's.
TEST(Value, IntegersAsYaml11) {
  auto as_int = [](const std::string& text) {
    return Value::Scalar(text, /*quoted=*/false, SourceMark{}).AsInt();
  };
  EXPECT_EQ(8, as_int("010"));
  EXPECT_EQ(3, as_int("0x3"));
  EXPECT_EQ(255, as_int("0xFf"));
  EXPECT_EQ(5, as_int("0b101"));
  EXPECT_EQ(10, as_int("1_0"));
  EXPECT_EQ(-1000, as_int("-1_000"));
  EXPECT_EQ(5400, as_int("1:30:00"));
  EXPECT_EQ(0, as_int("0"));
  EXPECT_EQ(7, as_int("+7"));
  for (const char* text : {"08", "0x", "0b2", "1:60", "_1", "1e3", "0o17",
                           "12abc", "99999999999999999999", ""}) {
    EXPECT_FALSE(as_int(text).has_value()) << text;
  }
  EXPECT_FALSE(Value::Scalar("010", /*quoted=*/true, SourceMark{}).AsInt());
}

TEST(Value, NodeCountCountsEveryNode) {
  EXPECT_EQ(6u, Parse("a: [1, 2]\nb: {c: 3}\n").NodeCount());
}

}  // namespace
}  // namespace occam
