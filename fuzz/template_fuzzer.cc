// Fuzzes the template parser and renderer with a scope that knows a few
// names (a mapping, a list, a secret, a value known only after apply) and
// Occopus's functions. Limits are small so that each input stays fast.
#include <cstdint>
#include <string>

#include "template/template.h"

namespace {

using occam::TemplateValue;

class Scope : public occam::TemplateScope {
 public:
  TemplateValue Lookup(const std::string& name) const override {
    if (name == "variables") {
      return TemplateValue::FromMap(
          {{"x", TemplateValue::String("value")},
           {"n", TemplateValue::Int(3)},
           {"names", TemplateValue::FromList({TemplateValue::String("a"),
                                              TemplateValue::String("b")})},
           {"password", TemplateValue::String("s3cret", true)}});
    }
    if (name == "node_id") return TemplateValue::String("id");
    if (name == "ip") return TemplateValue::Unknown();
    return TemplateValue::Undefined(name);
  }
  TemplateValue Call(const std::string& function,
                     const std::vector<TemplateValue>& args, std::string* error,
                     std::string*) const override {
    if (function == "getip") return TemplateValue::Unknown();
    if (function == "getipall") {
      return TemplateValue::FromList({TemplateValue::String("1.2.3.4")});
    }
    if (args.size() > 3) *error = "too many";
    return TemplateValue::String(function);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  occam::RenderedText out;
  occam::TemplateProblem error;
  std::vector<occam::TemplateProblem> warnings;
  occam::TemplateLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_steps = 100'000;
  limits.max_value_bytes = 1 << 20;
  limits.max_work_bytes = 16 << 20;
  occam::HasTemplate(text);
  occam::RenderTemplate(text, Scope(), &out, &error, &warnings, limits);
  return 0;
}
