// The template engine is bounded in stack, memory and work: the hostile
// templates of the third hardening round each end in an error naming the
// limit, quickly and in little memory, instead of a crash.
#include "template/template_budget.h"

#include <gtest/gtest.h>

#include <string>

#include "template/template.h"

namespace occam {
namespace {

// `x` is a 1 MiB string; everything else is undefined.
class BigScope : public TemplateScope {
 public:
  TemplateValue Lookup(const std::string& name) const override {
    if (name == "x") return big_;
    return TemplateValue::Undefined(name);
  }
  TemplateValue Call(const std::string& f, const std::vector<TemplateValue>&,
                     std::string* error, std::string*) const override {
    *error = "unknown function '" + f + "'";
    return TemplateValue();
  }

 private:
  TemplateValue big_ = TemplateValue::String(std::string(1 << 20, 'x'));
};

struct Result {
  bool ok = false;
  TemplateProblem error;
  RenderedText out;
};

Result Render(const std::string& text, TemplateLimits limits = {}) {
  Result r;
  r.ok = RenderTemplate(text, BigScope(), &r.out, &r.error, nullptr, limits);
  return r;
}

std::string Chain(const std::string& first, const std::string& link, int n) {
  std::string s = "{{ " + first;
  for (int i = 0; i < n; ++i) s += link;
  return s + " }}";
}

void ExpectRefused(const std::string& text, const std::string& words,
                   TemplateLimits limits = {}) {
  Result r = Render(text, limits);
  std::string shown = text.size() > 80 ? text.substr(0, 80) + "…" : text;
  EXPECT_FALSE(r.ok) << shown;
  EXPECT_NE(std::string::npos, r.error.message.find(words)) << shown << ": " << r.error.message;
}

// 6,000-term operator chains and 15,000-long filter, attribute and index
// chains crashed validate with SIGSEGV.
TEST(TemplateBudget, LongChainsAreRefusedNotOverflowingTheStack) {
  const std::string deep = "nests more than 256 levels deep";
  ExpectRefused(Chain("1", "~1", 6000), deep);
  ExpectRefused(Chain("1", "+1", 6000), deep);
  ExpectRefused(Chain("1", "==1", 6000), deep);
  ExpectRefused(Chain("1", " and 1", 6000), deep);
  ExpectRefused(Chain("x", "|string", 15000), deep);
  ExpectRefused(Chain("x", ".a", 15000), deep);
  ExpectRefused(Chain("x", "[0]", 15000), deep);
  ExpectRefused(Chain("x", " is defined", 15000), deep);
  EXPECT_EQ(10u, Render(Chain("1", "~1", 9)).out.text.size());
  // Where it starts: the offset of the operator that went too deep.
  Result r = Render(Chain("1", "~1", 300));
  EXPECT_EQ(4u + 2 * 255, r.error.offset);  // the 256th '~'
}

// Macros calling macros, each with a tall expression: deep in all, though
// each part is within its own limit.
TEST(TemplateBudget, EvaluationDepthIsBoundedAcrossMacros) {
  std::string tall = "1";
  for (int i = 0; i < 200; ++i) tall = tall + "~1";
  // The call sits at the bottom of the tree: reaching it takes 200 levels.
  std::string text = "{% macro m(n) %}{{ (m(n - 1) if n > 0 else '')" + tall.substr(1) +
                     " }}{% endmacro %}{{ m(60) }}";
  ExpectRefused(text, "nests expressions and macro calls more than 512 deep");
}

// A 285-byte template of {% set %} levels each joining the last one 8
// times took 3.8 GB (7 levels) or aborted with bad_alloc (8 levels).
TEST(TemplateBudget, ConcatenationBombStopsAtTheValueLimit) {
  std::string text = "{% set a = 'xxxxxxxx' %}";
  std::string last = "a";
  for (int level = 0; level < 9; ++level) {
    std::string next = "l" + std::to_string(level);
    text += "{% set " + next + " = " + last;
    for (int i = 1; i < 8; ++i) text += "~" + last;
    text += " %}";
    last = next;
  }
  text += "{{ " + last + "|length }}";
  ExpectRefused(text, "occam's limit");
  ExpectRefused(text, "MiB");
}

TEST(TemplateBudget, ReplaceAndListBombsStopBeforeBuilding) {
  ExpectRefused("{{ x|replace('x', x) }}", "more than 16 MiB (occam's limit for one value)");
  ExpectRefused("{{ x|replace('', 'yyyyyyyyyyyyyyyyyyyy') }}", "occam's limit for one value");
  std::string doubling = "{% set l = [x, x] %}";
  for (int i = 0; i < 40; ++i) doubling += "{% set l = l + l %}";
  ExpectRefused(doubling + "{{ l|length }}", "occam's limit");
  std::string joined = "{% set l = [x] %}";
  for (int i = 0; i < 6; ++i) joined += "{% set l = l + l %}";
  ExpectRefused(joined + "{{ l|join(',') }}", "occam's limit for one value");
  ExpectRefused(joined + "{{ l }}", "occam's limit for one value");
  ExpectRefused("{{ x|replace('x', 'x\\n')|indent(100) }}", "occam's limit for one value");
  ExpectRefused("{{ 'a'|indent(100000000000) }}", "occam's limit");
  ExpectRefused("{{ range(1000000000)|length }}", "occam's limit for one value");
  ExpectRefused("{{ x.split('x')|length }}", "occam's limit for one value");
  ExpectRefused("{% for c in x %}{% endfor %}", "occam's limit for one value");
  ExpectRefused("{{ x|list|length }}", "occam's limit for one value");
}

// The fuzzer's out-of-memory input: an indent of -999999999999999… made
// json.dumps's indentation wrap to a huge width.
TEST(TemplateBudget, TojsonIndentCannotExplode) {
  Result r = Render("{{ {'a': [1, 2.5]} | tojson(indent=-999999999999999-2) }}");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ("{\n\"a\": [\n1,\n2.5\n]\n}", r.out.text);
  ExpectRefused("{{ [[[1]]] | tojson(indent=999999999999) }}", "occam's limit");
  ExpectRefused("{% set l = [x] %}{% set l = l + l + l + l %}"
                "{% set l = l + l + l + l %}{{ l | tojson }}",
                "occam's limit");
}

TEST(TemplateBudget, ValuesNestAtMost64Deep) {
  std::string text = "{% set l = [] %}";
  for (int i = 0; i < 100; ++i) text += "{% set l = [l] %}";
  ExpectRefused(text + "{{ l|length }}", "nests lists and mappings more than 64 deep");
  std::string ok = "{% set l = [] %}";
  for (int i = 0; i < 60; ++i) ok += "{% set l = [l] %}";
  EXPECT_TRUE(Render(ok + "{{ l == l }}").ok);
}

// 20,000 loop steps that each built a 1 MB string took 86 s; looking a
// big value up costs nothing (values share their text).
TEST(TemplateBudget, WorkCountsBytesNotOnlySteps) {
  const std::string copies = "{% for i in range(20000) %}{% set y = x ~ '' %}{% endfor %}";
  ExpectRefused(copies, "builds, copies and compares more than 256 MiB in all");
  EXPECT_TRUE(Render(copies).error.over_limit);
  ExpectRefused("{% for i in range(20000) %}{% if x == x %}{% endif %}{% endfor %}",
                "more than 256 MiB in all");
  Result lookups = Render(
      "{% for i in range(20000) %}{% set y = x %}{{ y|length if loop.last }}{% endfor %}");
  ASSERT_TRUE(lookups.ok) << lookups.error.message;
  EXPECT_EQ("1048576", lookups.out.text);
  EXPECT_LT(lookups.out.work, size_t{16} << 20);
}

TEST(TemplateBudget, LimitsCanBeLowered) {
  TemplateLimits small;
  small.max_value_bytes = 1 << 10;
  small.max_work_bytes = 1 << 20;
  ExpectRefused("{{ x }}", "more than 1 MiB in all", small);
  ExpectRefused("{{ x[:2000] }}", "more than 1024 bytes", small);
  EXPECT_EQ("xx", Render("{{ x[:2] }}", small).out.text);
}

// Found by the fuzzer: a slice starting past a UTF-8 sequence cut short at
// the end of the string threw std::out_of_range.
TEST(TemplateBudget, SlicesOfTruncatedUtf8) {
  Result r = Render("{{ 'a\xcb'[10:3] }}|{{ 'a\xcb'[1:] }}|{{ 'a\xcb'[1] }}");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ("|\xcb|\xcb", r.out.text);
}

TEST(TemplateBudget, ValueBytesStopsCounting) {
  TemplateValue::List items(1000, TemplateValue::String(std::string(100, 'a')));
  TemplateValue list = TemplateValue::FromList(items);
  EXPECT_EQ(1000 * (kItemBytes + 100), ValueBytes(list, SIZE_MAX));
  EXPECT_LT(ValueBytes(list, 1000), 2 * (kItemBytes + 100) + 1000);
  TemplateBudget budget(10, 100);
  std::string error;
  EXPECT_TRUE(budget.Build(10, &error));
  EXPECT_FALSE(budget.Build(11, &error));
  EXPECT_NE(std::string::npos, error.find("more than 10 bytes")) << error;
  EXPECT_TRUE(budget.Work(90, &error));
  EXPECT_FALSE(budget.Work(1, &error));
}

}  // namespace
}  // namespace occam
