#include "descriptor/instance_config.h"

#include <algorithm>

#include "descriptor/sensitive.h"
#include "descriptor/value_json.h"
#include "providers/resource_schema.h"

namespace occam {
namespace {

using nlohmann::json;

// The rendering of one Value: its JSON and its two mirrors (false when the
// value holds nothing unknown / secret).
struct Rendered {
  json value;
  json unknown = false;
  json sensitive = false;
  bool known = true;
};

class ConfigRenderer {
 public:
  ConfigRenderer(const NodeSpec& node, const TemplateScope& scope,
                 Diagnostics* diags)
      : node_(node), scope_(scope), diags_(diags) {}

  Rendered Render(const Value& v, const std::string& path, bool secret) {
    switch (v.kind()) {
      case Value::Kind::kSequence:
        return RenderList(v, path, secret);
      case Value::Kind::kMapping:
        return RenderMap(v, path, secret, nullptr);
      default:
        return RenderScalar(v, path, secret);
    }
  }

  // `schema` marks the resource's declared secrets.
  Rendered RenderMap(const Value& v, const std::string& path, bool secret,
                     const ResourceSchema* schema) {
    Rendered out;
    out.value = json::object();
    json unknown = json::object(), sensitive = json::object();
    for (const Value::Entry& e : v.entries()) {
      if (schema && e.key == "type") continue;
      const AttributeSpec* spec = schema ? schema->Find(e.key) : nullptr;
      bool child_secret = secret || IsSensitiveName(e.key) ||
                          (spec && spec->sensitive);
      Rendered child = Render(e.value, path + "." + e.key, child_secret);
      if (child.known) out.value[e.key] = std::move(child.value);
      if (child.unknown != false) unknown[e.key] = child.unknown;
      if (child.sensitive != false) sensitive[e.key] = child.sensitive;
    }
    if (!unknown.empty()) out.unknown = unknown;
    if (!sensitive.empty()) out.sensitive = sensitive;
    return out;
  }

 private:
  Rendered RenderList(const Value& v, const std::string& path, bool secret) {
    Rendered out;
    out.value = json::array();
    json unknown = json::array(), sensitive = json::array();
    bool any_unknown = false, any_sensitive = false;
    for (size_t i = 0; i < v.items().size(); ++i) {
      Rendered child =
          Render(v.items()[i], path + "[" + std::to_string(i) + "]", secret);
      out.value.push_back(child.known ? std::move(child.value) : json());
      any_unknown = any_unknown || child.unknown != false;
      any_sensitive = any_sensitive || child.sensitive != false;
      unknown.push_back(child.unknown);
      sensitive.push_back(child.sensitive);
    }
    if (any_unknown) out.unknown = unknown;
    if (any_sensitive) out.sensitive = sensitive;
    return out;
  }

  Rendered RenderScalar(const Value& v, const std::string& path, bool secret) {
    Rendered out;
    out.sensitive = secret;
    if (!v.is_scalar() || !HasTemplate(v.text())) {
      out.value = ScalarToJson(v);
      return out;
    }
    std::string what = path.substr(1) + " of node '" + node_.name + "'";
    if (exhausted_) {
      out.value = v.text();
      return out;
    }
    // Each template within what the whole configuration has left.
    TemplateLimits limits;
    bool budgeted = false;
    if (kMaxConfigBytes - bytes_ < limits.max_output_bytes) {
      limits.max_output_bytes = kMaxConfigBytes - bytes_;
      budgeted = true;
    }
    if (kMaxConfigSteps - steps_ < limits.max_steps) {
      limits.max_steps = kMaxConfigSteps - steps_;
      budgeted = true;
    }
    RenderedText text;
    TemplateProblem error;
    std::vector<TemplateProblem> warnings;
    bool ok = RenderTemplate(v.text(), scope_, &text, &error, &warnings, limits);
    bytes_ += text.text.size();
    steps_ += text.steps;
    if (!ok && error.over_limit && budgeted) {
      exhausted_ = true;  // one error, and no more rendering
      error.message = "the templates of node '" + node_.name + "' " +
                      (bytes_ >= kMaxConfigBytes
                           ? "render more than " +
                                 std::to_string(kMaxConfigBytes >> 20) + " MiB"
                           : "take more than " + std::to_string(kMaxConfigSteps) +
                                 " steps") +
                      " in all; occam refuses larger configurations";
    }
    for (const TemplateProblem& w : warnings) {
      diags_->Warning(v.mark(), "in " + what + Where(v.text(), w.offset) +
                                    ": " + w.message);
    }
    if (!ok) {
      diags_->Error(v.mark(), "cannot render " + what +
                                  Where(v.text(), error.offset) + ": " +
                                  error.message);
      out.value = v.text();
      return out;
    }
    out.value = text.text;
    out.known = text.known;
    if (!text.known) out.unknown = true;
    if (text.sensitive) out.sensitive = true;
    return out;
  }

  // " (line 3, column 7 of the template)" when the template spans lines.
  static std::string Where(const std::string& text, size_t offset) {
    if (text.find('\n') == std::string::npos) return "";
    return " (" + TemplatePosition(text, offset) + " of the template)";
  }

  // What one instance's templates may render in all: 300 attributes of
  // 15 MiB each took 4.6 GB to validate and 13 GB to plan.
  static constexpr size_t kMaxConfigBytes = size_t{64} << 20;
  static constexpr long long kMaxConfigSteps = 10'000'000;

  const NodeSpec& node_;
  const TemplateScope& scope_;
  Diagnostics* diags_;
  size_t bytes_ = 0;
  long long steps_ = 0;
  bool exhausted_ = false;
};

}  // namespace

bool RenderInstanceConfig(const NodeSpec& node, const TemplateScope& scope,
                          InstanceConfig* out, Diagnostics* diags) {
  size_t before = diags->size();
  ConfigRenderer renderer(node, scope, diags);
  const Implementation& impl = node.implementation;
  *out = InstanceConfig();
  auto add = [&](const char* name, Rendered r) {
    if (r.known) out->value[name] = std::move(r.value);
    if (r.unknown != false) out->unknown[name] = r.unknown;
    if (r.sensitive != false) out->sensitive[name] = r.sensitive;
  };
  add("resource", renderer.RenderMap(impl.resource, ".resource", false,
                                     FindResourceSchema(impl.resource_type)));
  for (auto [name, section] :
       {std::pair{"contextualisation", &impl.contextualisation},
        std::pair{"config_management", &impl.config_management},
        std::pair{"health_check", &impl.health_check}}) {
    if (!section->is_null()) {
      add(name, renderer.Render(*section, std::string(".") + name, false));
    }
  }
  return diags->size() == before;
}

}  // namespace occam

namespace occam {

bool CountIsAttribute(const NodeSpec& node) {
  if (node.implementation.resource_type != "docker_service") return false;
  const Value* mode = node.implementation.resource.Find("mode");
  return !mode || !mode->is_scalar() || mode->text() != "global";
}

void SetCountAttribute(const NodeSpec& node, int count, nlohmann::json* value) {
  if (!CountIsAttribute(node)) return;
  (*value)["resource"]["replicas"] = count;
}

}  // namespace occam
