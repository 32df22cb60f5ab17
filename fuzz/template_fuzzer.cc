// Fuzzes the template renderer with a scope that knows a few names, one
// secret, one value known only after apply, and Occopus's functions.
#include <cstdint>
#include <string>

#include "descriptor/template.h"

namespace {

class Scope : public occam::TemplateScope {
 public:
  occam::TemplateValue Lookup(
      const std::vector<std::string>& path) const override {
    std::string name;
    for (const std::string& p : path) name += (name.empty() ? "" : ".") + p;
    if (name == "variables.x" || name == "node_id") {
      return occam::TemplateValue::Text("value");
    }
    if (name == "variables.password") {
      return occam::TemplateValue::Text("s3cret", /*sensitive=*/true);
    }
    if (name == "ip") return occam::TemplateValue::Unknown();
    return occam::TemplateValue::Undefined("no " + name);
  }
  occam::TemplateValue Call(
      const std::string& function,
      const std::vector<std::string>& args) const override {
    if (function == "getip") return occam::TemplateValue::Unknown();
    if (function == "getipall") return occam::TemplateValue::Text("['1.2.3.4']");
    std::string joined;
    for (const std::string& a : args) joined += a;
    return occam::TemplateValue::Text(joined);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  occam::RenderedText out;
  std::string error;
  occam::HasTemplate(text);
  occam::RenderTemplate(text, Scope(), &out, &error);
  return 0;
}
