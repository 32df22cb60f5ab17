#include "template/template.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace occam {
namespace {

using json = nlohmann::ordered_json;

TemplateValue FromJson(const json& j) {
  if (j.is_null()) return TemplateValue::None();
  if (j.is_boolean()) return TemplateValue::Bool(j.get<bool>());
  if (j.is_number_integer()) return TemplateValue::Int(j.get<long long>());
  if (j.is_number_float()) return TemplateValue::Float(j.get<double>());
  if (j.is_string()) return TemplateValue::String(j.get<std::string>());
  if (j.is_array()) {
    TemplateValue::List items;
    for (const json& item : j) items.push_back(FromJson(item));
    return TemplateValue::FromList(std::move(items));
  }
  TemplateValue::Map entries;
  for (auto& [key, value] : j.items()) entries.emplace_back(key, FromJson(value));
  return TemplateValue::FromMap(std::move(entries));
}

// The data of template/testdata/template_cases.json, and Occopus's
// functions over its "ips"; "password" is a secret, "later" unknown.
class TableScope : public TemplateScope {
 public:
  TableScope(json data, json ips) : data_(std::move(data)), ips_(std::move(ips)) {}

  TemplateValue Lookup(const std::string& name) const override {
    if (name == "password") return TemplateValue::String("pw", true);
    if (name == "later") return TemplateValue::Unknown();
    if (!data_.contains(name)) return TemplateValue::Undefined(name);
    return FromJson(data_[name]);
  }

  TemplateValue Call(const std::string& f, const std::vector<TemplateValue>& args,
                     std::string* error, std::string*) const override {
    if ((f == "getip" || f == "getipall") && args.size() == 1 &&
        ips_.contains(args[0].Str())) {
      const json& ips = ips_[args[0].Str()];
      return f == "getip" ? FromJson(ips[0]) : FromJson(ips);
    }
    if (f == "getip" && args.size() == 1 && args[0].Str() == "new") {
      return TemplateValue::Unknown();
    }
    if (f == "cut" && args.size() == 3) {
      return TemplateValue::String(args[0].Str().substr(
          static_cast<size_t>(args[1].number()),
          static_cast<size_t>(args[2].number() - args[1].number())));
    }
    *error = "unknown function '" + f + "'";
    return TemplateValue();
  }

 private:
  json data_, ips_;
};

json Table() {
  const char* dir = std::getenv("OCCAM_SOURCE_DIR");
  std::ifstream in(std::string(dir ? dir : ".") +
                   "/template/testdata/template_cases.json");
  return json::parse(in);
}

struct Render {
  RenderedText out;
  TemplateProblem error;
  std::vector<TemplateProblem> warnings;
  bool ok;
  explicit Render(const std::string& text, TemplateLimits limits = {}) {
    static const json table = Table();
    TableScope scope(table["data"], table["ips"]);
    ok = RenderTemplate(text, scope, &out, &error, &warnings, limits);
  }
};

// Every case of the table renders as Jinja2 renders it: the expected texts
// were produced by python3-jinja2, and scripts/check-template-cases checks
// them against Jinja2 again in every test run.
TEST(Template, RendersEveryTableCaseAsJinja) {
  json table = Table();
  ASSERT_GE(table["cases"].size(), 60u);
  for (const json& c : table["cases"]) {
    Render r(c["template"].get<std::string>());
    ASSERT_TRUE(r.ok) << c["name"] << ": " << r.error.message;
    EXPECT_EQ(c["expected"].get<std::string>(), r.out.text) << c["name"];
  }
}

TEST(Template, PlainTextIsUnchanged) {
  Render r("no templates here { } }} {");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ("no templates here { } }} {", r.out.text);
  EXPECT_FALSE(HasTemplate("a { b } c"));
  EXPECT_TRUE(HasTemplate("a {{x}}"));
}

TEST(Template, UnknownAddressMakesTheWholeTextUnknown) {
  Render r("target={{ getip(\"new\") }}");
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_FALSE(r.out.known);
}

TEST(Template, UnknownConditionOrLoopMakesTheTextUnknownButIsChecked) {
  Render cond("{% if later %}a{% else %}b{% endif %}");
  ASSERT_TRUE(cond.ok);
  EXPECT_FALSE(cond.out.known);
  Render loop("{% for x in later %}{{ x.y }}{{ nosuch.attr }}{% endfor %}");
  ASSERT_TRUE(loop.ok) << loop.error.message;
  EXPECT_FALSE(loop.out.known);
  ASSERT_EQ(1u, loop.warnings.size());
  EXPECT_NE(std::string::npos, loop.warnings[0].message.find("'nosuch' is undefined"))
      << loop.warnings[0].message;
}

TEST(Template, SecretsMarkTheTextSensitive) {
  EXPECT_TRUE(Render("pass={{password}}").out.sensitive);
  EXPECT_TRUE(Render("{{ password | upper }}").out.sensitive);
  EXPECT_TRUE(Render("{{ 'x' ~ password }}").out.sensitive);
  EXPECT_TRUE(Render("{% set p = password %}{{ p[1:] }}").out.sensitive);
  EXPECT_FALSE(Render("{{ name }}").out.sensitive);
}

TEST(Template, UndefinedNamesWarnWithTheirPosition) {
  Render r("ab {{ nosuch }} {{ variables.nope }} {{ nosuch | default('') }}");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ("ab   ", r.out.text);
  ASSERT_EQ(2u, r.warnings.size());
  EXPECT_EQ(5u, r.warnings[0].offset);
  EXPECT_EQ(
      "'nosuch' is undefined and renders as an empty string, as in Jinja; "
      "define it, or write {{ nosuch | default('') }} to say so",
      r.warnings[0].message);
  EXPECT_NE(std::string::npos, r.warnings[1].message.find("'variables.nope'"));
}

TEST(Template, ErrorsNameTheConstructAndPosition) {
  struct Case {
    const char* text;
    const char* error;
    size_t offset;
  };
  for (const Case& c : std::vector<Case>{
           {"{{ nosuch.attr }}", "'nosuch' is undefined, so nothing can be read from it; define it", 9},
           {"{{ variables.a.b }}", "'variables.a' is undefined, so nothing can be read from it; define it", 14},
           {"{{ cutt('a') }}", "unknown function 'cutt'", 3},
           {"{{ x | frobnicate }}", "unknown filter 'frobnicate'; occam supports count, d, default, dictsort, first, float, indent, int, join, last, length, list, lower, replace, string, tojson, trim, upper", 5},
           {"{% include 'x' %}", "unsupported template statement '{% include 'x' %}'; occam renders if, for, set, macro, call and raw (see docs/templates.md)", 2},
           {"{% macro r() %}{{ r() }}{% endmacro %}{{ r() }}", "macros call each other more than 64 deep", 18},
           {"{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "macro 'm' takes 1 argument, not 2", 33},
           {"{% macro m(a) %}{% endmacro %}{{ m(b=1) }}", "macro 'm' has no parameter 'b'", 33},
           {"{% macro m(a='x', b) %}{% endmacro %}", "a parameter without a default follows one with a default, found ')'", 19},
           {"{% macro m() %}", "'{% macro %}' is not closed; add '{% endmacro %}'", 2},
           {"{% if x %}y", "'{% if %}' is not closed; add '{% endif %}'", 2},
           {"{% endfor %}", "'{% endfor %}' without its opening statement", 2},
           {"a {{ b", "unclosed '{{'; close it with '}}'", 2},
           {"{% raw %} x", "'{% raw %}' without '{% endraw %}'", 0},
           {"{{ }}", "empty expression '{{ }}'", 2},
           {"{{ 1.5 ** 2 }}", "'**' is not supported; multiply with '*', found '**'", 7},
           {"{{ {1: 2} }}", "occam's dictionary keys are strings, not int", 4},
           {"{{ 'a' | indent(size=2) }}", "'indent' has no parameter 'size'", 7},
           {"{{ 'a' | indent(first=true, 2) }}", "a positional argument follows a keyword argument, found '2'", 28},
           {"{% for x in [1] if %}{% endfor %}", "expected a value, found the end of the tag", 19},
           {"{{ range(1, 2, 0) }}", "range() arg 3 must not be zero", 3},
           {"{{ (1 }}", "expected ')', found the end of the tag", 6},
           {"{{ 1 + 'a' }}", "unsupported operand types for +: int and str; join strings with '~'", 5},
           {"{{ 1 // 0 }}", "division by zero", 5},
           {"{{ getip(MICADO-master) }}", "'MICADO' is undefined and cannot be used with -; a name with '-' must be quoted: 'MICADO-master'", 15},
           {"{{ 999999999999999999 * 100 }}", "the number is too large", 22},
           {"{{ 9223372036854775807 }}", "the number 9223372036854775807 is too large", 3},
           {"{% for a, b in [1] %}{% endfor %}", "cannot unpack int into 2 loop variables", 2},
           {"{{ f(x=1) }}", "f() takes no keyword arguments in occam", 3},
       }) {
    Render r(c.text);
    EXPECT_FALSE(r.ok) << c.text;
    EXPECT_EQ(c.error, r.error.message) << c.text;
    EXPECT_EQ(c.offset, r.error.offset) << c.text;
  }
}

TEST(Template, ErrorsDoNotShowSecretValues) {
  Render r("{{ password + 1 }}");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(std::string::npos, r.error.message.find("pw")) << r.error.message;
}

TEST(Template, OutputAndWorkAreBounded) {
  TemplateLimits small;
  small.max_output_bytes = 1 << 20;
  std::string loops = "{% for a in variables.names %}";
  std::string ends;
  for (int i = 0; i < 12; ++i) {
    loops += "{% for x" + std::to_string(i) + " in variables.names %}";
    ends += "{% endfor %}";
  }
  Render wide(loops + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" + ends + "{% endfor %}", small);
  EXPECT_FALSE(wide.ok);
  EXPECT_EQ("the template renders more than 1 MiB; occam refuses larger strings",
            wide.error.message);
  TemplateLimits few;
  few.max_steps = 1000;
  Render busy(loops + ends + "{% endfor %}", few);
  EXPECT_FALSE(busy.ok);
  EXPECT_EQ("the template takes more than 1000 steps to render; loop over less data",
            busy.error.message);
  std::string deep(500, '(');
  EXPECT_EQ("the expression nests too deeply", Render("{{ " + deep + " }}").error.message);
  std::string blocks;
  for (int i = 0; i < 100; ++i) blocks += "{% if true %}";
  EXPECT_EQ("blocks nest too deeply", Render(blocks).error.message);
}

TEST(Template, PositionsCountLines) {
  EXPECT_EQ("line 1, column 1", TemplatePosition("abc", 0));
  EXPECT_EQ("line 2, column 3", TemplatePosition("ab\ncdef", 5));
}

}  // namespace
}  // namespace occam
