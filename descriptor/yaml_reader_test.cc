#include "descriptor/yaml_reader.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

struct Read {
  Value value;
  Diagnostics diags;
  bool ok;
  explicit Read(const std::string& text, YamlLimits limits = {}) {
    ok = ReadYaml(text, std::make_shared<const std::string>("f.yaml"), limits,
                  &value, &diags);
  }
};

TEST(YamlReader, KeepsPositionsOfValuesAndKeys) {
  Read r("a: 1\nb:\n  - x\n  - 'y'\n");
  ASSERT_TRUE(r.ok) << r.diags.ToString();
  const Value::Entry* b = r.value.FindEntry("b");
  ASSERT_NE(nullptr, b);
  EXPECT_EQ("f.yaml:2:1", b->key_mark.ToString());
  EXPECT_EQ("f.yaml:3:5", b->value.items()[0].mark().ToString());
  EXPECT_FALSE(b->value.items()[0].quoted());
  EXPECT_TRUE(b->value.items()[1].quoted());
}

TEST(YamlReader, TypesPlainScalarsAsPyYaml) {
  Read r("a: False\nb: 'true'\nc: 2000\nd: '3'\ne: yes\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(false, r.value.Find("a")->AsBool());
  EXPECT_EQ(std::nullopt, r.value.Find("b")->AsBool());
  EXPECT_EQ(2000, r.value.Find("c")->AsInt());
  EXPECT_EQ(std::nullopt, r.value.Find("d")->AsInt());
  EXPECT_EQ(true, r.value.Find("e")->AsBool());
}

TEST(YamlReader, ExpandsAliasesAtTheAliasPosition) {
  Read r("n: &A {name: db}\nd: [*A]\n");
  ASSERT_TRUE(r.ok);
  const Value& alias = r.value.Find("d")->items()[0];
  EXPECT_EQ("db", alias.Find("name")->text());
  EXPECT_EQ("f.yaml:2:5", alias.mark().ToString());
}

TEST(YamlReader, AppliesMergeKeysWithoutOverridingExplicitKeys) {
  Read r("base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n");
  ASSERT_TRUE(r.ok) << r.diags.ToString();
  const Value* m = r.value.Find("m");
  EXPECT_EQ("1", m->Find("x")->text());
  EXPECT_EQ("3", m->Find("y")->text());
}

TEST(YamlReader, ReportsDuplicateKeys) {
  Read r("a: 1\nb: 2\na: 3\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(
      "f.yaml:3:1: error: duplicate key 'a' (first at f.yaml:1:1); remove "
      "one of them\n",
      r.diags.ToString());
}

TEST(YamlReader, ReportsSyntaxErrorsWithPosition) {
  Read r("a: [1, 2\nb: c\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(1u, r.diags.size());
  EXPECT_EQ("f.yaml:2:2: error: invalid YAML: end of sequence flow not found",
            r.diags.list()[0].ToString());
}

TEST(YamlReader, RefusesAliasBomb) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, c - 1);
    bomb += std::string(1, c) + ": &" + c + " [*" + prev;
    for (int i = 0; i < 9; ++i) bomb += ", *" + prev;
    bomb += "]\n";
  }
  Read r(bomb);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(1u, r.diags.size());
  EXPECT_EQ(
      "the document has more than 1000000 YAML nodes (counting every alias "
      "expansion), the most occam reads; split the file or remove alias "
      "chains",
      r.diags.list()[0].message);
}

TEST(YamlReader, RefusesDeepNesting) {
  std::string deep(10000, '[');
  deep += std::string(10000, ']');
  Read r(deep);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(1u, r.diags.size());
  EXPECT_EQ("f.yaml:1:201: error: nesting is deeper than 200 levels; flatten "
            "the document",
            r.diags.list()[0].ToString());
}

TEST(YamlReader, RefusesDeepBlockNesting) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += std::string(i, ' ') + "k:\n";
  Read r(deep);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(1u, r.diags.size());
}

TEST(YamlReader, RefusesSeveralDocuments) {
  Read r("a: 1\n---\nb: 2\n");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ("f.yaml:3:1: error: expected a single document\n",
            r.diags.ToString());
}

TEST(YamlReader, BinaryGarbageIsAnErrorNotACrash) {
  std::string garbage;
  unsigned seed = 7;
  for (int i = 0; i < 4096; ++i) {
    seed = seed * 1103515245 + 12345;
    garbage += static_cast<char>(seed >> 16);
  }
  Read r(garbage);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.diags.empty());
}

TEST(YamlReader, EmptyDocumentIsNull) {
  Read r("");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.value.is_null());
}

TEST(YamlReader, KeepsLocalTags) {
  Read r("x: !yaml_import {url: 'file://a.yaml'}\ny: !!str 12\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ("!yaml_import", r.value.Find("x")->tag());
  EXPECT_EQ("", r.value.Find("y")->tag());
  EXPECT_TRUE(r.value.Find("y")->quoted());
}

}  // namespace
}  // namespace occam
