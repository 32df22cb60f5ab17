#include "descriptor/template.h"

#include <gtest/gtest.h>

#include <map>

namespace occam {
namespace {

class FakeScope : public TemplateScope {
 public:
  TemplateValue Lookup(const std::vector<std::string>& path) const override {
    std::string name;
    for (const auto& p : path) name += (name.empty() ? "" : ".") + p;
    if (name == "variables.password") return TemplateValue::Text("pw", true);
    auto it = names.find(name);
    if (it == names.end()) {
      return TemplateValue::Undefined("undefined name '" + name + "'");
    }
    return TemplateValue::Text(it->second);
  }
  TemplateValue Call(const std::string& f,
                     const std::vector<std::string>& args) const override {
    if (f == "getip" && args.size() == 1 && args[0] == "db") {
      return TemplateValue::Text("10.0.0.5");
    }
    if (f == "getip" && args.size() == 1 && args[0] == "new") {
      return TemplateValue::Unknown();
    }
    return TemplateValue::Undefined("unknown function '" + f + "'");
  }
  std::map<std::string, std::string> names = {
      {"variables.message", "hello"}, {"infra_id", "abc"}};
};

struct Render {
  RenderedText out;
  std::string error;
  bool ok;
  explicit Render(const std::string& text) {
    ok = RenderTemplate(text, FakeScope(), &out, &error);
  }
};

TEST(Template, PlainTextIsUnchanged) {
  Render r("no templates here { } }} {");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ("no templates here { } }} {", r.out.text);
  EXPECT_FALSE(HasTemplate("a { b } c"));
  EXPECT_TRUE(HasTemplate("a {{x}}"));
}

TEST(Template, NamesAndFunctions) {
  Render r("msg={{ variables.message }} id={{infra_id}} db={{getip('db')}}");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ("msg=hello id=abc db=10.0.0.5", r.out.text);
  EXPECT_TRUE(r.out.known);
  EXPECT_FALSE(r.out.sensitive);
}

TEST(Template, UnknownAddressMakesTheWholeTextUnknown) {
  Render r("target={{ getip(\"new\") }}");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.out.known);
}

TEST(Template, SecretsMarkTheTextSensitive) {
  Render r("pass={{variables.password}}");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.out.sensitive);
}

TEST(Template, EscapedBracesAndRawBlocks) {
  Render r("{{'{{'}}range{{'}}'}} {% raw %}{{.Node}}{% endraw %}{# note #}!");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ("{{range}} {{.Node}}!", r.out.text);
}

TEST(Template, ErrorsNameTheExpression) {
  EXPECT_EQ("undefined name 'variables.nope'",
            Render("{{ variables.nope }}").error);
  EXPECT_EQ("unknown function 'cut'", Render("{{ cut('a', 1, 2) }}").error);
  EXPECT_EQ(
      "cannot render '{{ x | upper }}': occam understands names "
      "(variables.x), string literals and getip/getprivip/getipall('node')",
      Render("{{ x | upper }}").error);
  EXPECT_EQ(
      "unsupported template statement '{% if x %}'; occam renders {{ "
      "expressions }} and {% raw %} blocks",
      Render("{% if x %}y{% endif %}").error);
  EXPECT_EQ("unclosed '{{' in template", Render("a {{ b").error);
  EXPECT_EQ("'{% raw %}' without '{% endraw %}'",
            Render("{% raw %} x").error);
  EXPECT_EQ("empty expression '{{ }}'", Render("{{ }}").error);
}

}  // namespace
}  // namespace occam
