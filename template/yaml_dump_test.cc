#include "template/yaml_dump.h"

#include <gtest/gtest.h>

#include "template/yaml_types.h"

// The bytes below were written by ruamel.yaml 0.17.21's
// yaml.dump(data, default_flow_style=False) (Debian's python3-ruamel.yaml);
// tests/rendering/ holds the larger cases scripts/check-occopus-rendering
// compares with ruamel itself.
namespace occam {
namespace {

Value Str(const std::string& s, bool quoted = false) {
  return Value::Scalar(s, quoted, SourceMark{});
}

Value Map(std::vector<std::pair<std::string, Value>> entries) {
  Value m = Value::Mapping(SourceMark{});
  for (auto& [k, v] : entries) m.Set(k, SourceMark{}, std::move(v));
  return m;
}

TEST(YamlDump, SortsKeysAndTypesScalarsAsYaml12) {
  Value v = Map({{"zeta", Str("yes")},
                 {"alpha", Str("012", true)},
                 {"mode", Str("0777")},
                 {"flag", Str("True")},
                 {"ratio", Str("1e3")},
                 {"none", Value::Null(SourceMark{})}});
  EXPECT_EQ(DumpYaml(v).text,
            "alpha: '012'\nflag: true\nmode: 777\nnone: null\nratio: 1000.0\nzeta: yes\n");
}

TEST(YamlDump, IndentlessListsOfMappingsAndEmptyCollections) {
  Value item = Map({{"path", Str("/etc/a")}, {"content", Str("x\n", true)}});
  Value list = Value::Sequence(SourceMark{});
  list.Append(item);
  list.Append(Value::Sequence(SourceMark{}));
  EXPECT_EQ(DumpYaml(Map({{"write_files", list}})).text,
            "write_files:\n- content: \"x\\n\"\n  path: /etc/a\n- []\n");
}

TEST(YamlDump, EscapesWhatIsNotAsciiInDoubleQuotes) {
  EXPECT_EQ(DumpYaml(Map({{"uni", Str("h\xC3\xA9llo \xE2\x98\x83")}})).text,
            "uni: \"h\\xE9llo \\u2603\"\n");
}

TEST(YamlDump, FoldsLongPlainLinesAfterTheEightiethColumn) {
  std::string words;
  for (char c = 'a'; c <= 's'; ++c) words += std::string(4, c) + (c < 's' ? " " : "");
  EXPECT_EQ(DumpYaml(Map({{"long", Str(words)}})).text,
            "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn "
            "oooo pppp\n  qqqq rrrr ssss\n");
}

// ruamel folds this line inside "{{ … }}" ("{{ getip('db')\⏎  \ }}") and
// Occopus 1.10 then fails on the backslash; occam keeps the tag whole and
// says so.
TEST(YamlDump, NeverFoldsInsideATemplateTag) {
  std::string text = "echo " + std::string(66, 'x') + " {{ getip('db') }} done\n";
  YamlDump dump = DumpYaml(Map({{"cmd", Str(text, true)}}));
  EXPECT_EQ(dump.text, "cmd: \"echo " + std::string(66, 'x') +
                           " {{ getip('db') }}\\\n  \\ done\\n\"\n");
  ASSERT_EQ(dump.tag_folds.size(), 1u);
  EXPECT_EQ(dump.tag_folds[0].excerpt, "echo " + std::string(35, 'x'));
}

TEST(YamlDump, FoldsInsideARawBlockAsRuamelDoes) {
  std::string text = "{% raw %}" + std::string(66, 'x') + " {{ a b c d e f }}{% endraw %}\n";
  YamlDump dump = DumpYaml(Map({{"t", Str(text, true)}}));
  EXPECT_TRUE(dump.tag_folds.empty());
  EXPECT_EQ(dump.text, "t: \"{% raw %}" + std::string(66, 'x') +
                           " {{\\\n  \\ a b c d e f }}{% endraw %}\\n\"\n");
}

TEST(YamlDump, ResolvesPlainScalarsAsRuamelDoes) {
  EXPECT_EQ(ResolvedYamlType("yes"), "str");
  EXPECT_EQ(ResolvedYamlType("on"), "str");
  EXPECT_EQ(ResolvedYamlType("FALSE"), "bool");
  EXPECT_EQ(ResolvedYamlType("0x1F"), "int");
  EXPECT_EQ(ResolvedYamlType(".inf"), "float");
  EXPECT_EQ(ResolvedYamlType("1_000"), "int");
  EXPECT_EQ(ResolvedYamlType("~"), "null");
  EXPECT_EQ(ResolvedYamlType("2001-12-14"), "timestamp");
  EXPECT_EQ(ResolvedYamlType("2001-12-14 21:59:43.10 -5"), "timestamp");
  EXPECT_EQ(ResolvedYamlType("1.2.3"), "str");
}

}  // namespace
}  // namespace occam
