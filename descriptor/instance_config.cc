#include "descriptor/instance_config.h"

#include <algorithm>

#include "base/sensitive.h"
#include "base/value_json.h"
#include "descriptor/instance_scope.h"
#include "descriptor/rendered_sections.h"
#include "descriptor/yaml_reader.h"
#include "providers/resource_schema.h"
#include "template/yaml_dump.h"

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

  // Occopus's cloudinit resolver: a mapping context template is dumped to
  // YAML text (as ruamel does), put behind "#cloud-config", and the whole
  // text rendered as one template; a string template is rendered as it is.
  // Either way the context is text: what a cloud receives as user data.
  Rendered RenderContextualisation(const Value& section) {
    const Value* context = section.Find("context_template");
    const Value* type = section.Find("type");
    bool cloudinit = type && type->is_scalar() && type->text() == "cloudinit";
    if (!cloudinit || !context || (!context->is_mapping() && !context->is_sequence())) {
      Rendered out = Render(section, ".contextualisation", false);
      if (cloudinit && context && context->is_scalar()) CheckCloudConfig(out, *context);
      return out;
    }
    YamlDump dump = DumpYaml(*context);
    for (const TagFold& fold : dump.tag_folds) {
      diags_->Warning(fold.mark,
                      "Occopus 1.10 cannot render the context of node '" + node_.name +
                          "': its YAML dump folds the line \"" + fold.excerpt +
                          "…\" inside a template tag, and Jinja refuses the folding "
                          "backslash; occam renders the line as written (shorten it, or "
                          "write the context as a string, to build it with Occopus too)");
    }
    Value text = Value::Scalar("#cloud-config\n" + dump.text, true, context->mark());
    // The section with the text in place of the template (not a copy of
    // the template: this runs once per instance).
    Value copy = Value::Mapping(section.mark());
    for (const Value::Entry& e : section.entries()) {
      if (e.key == "context_template") {
        copy.mutable_entries().push_back({e.key, e.key_mark, std::move(text), false});
      } else {
        copy.mutable_entries().push_back(e);
      }
    }
    Rendered out = RenderMap(copy, ".contextualisation", false, nullptr);
    if (HoldsLiteralSecret(*context) && out.value.contains("context_template")) {
      out.sensitive = json::object({{"context_template", true}});
    }
    CheckCloudConfig(out, *context);
    return out;
  }

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
    // Occopus renders the context through Jinja even when it holds no tag
    // (which drops its last newline, as Jinja does).
    bool context = path == ".contextualisation.context_template";
    if (!v.is_scalar() || (!HasTemplate(v.text()) && !context)) {
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
    if (kMaxConfigWork - work_ < limits.max_work_bytes) {
      limits.max_work_bytes = kMaxConfigWork - work_;
      budgeted = true;
    }
    RenderedText text;
    TemplateProblem error;
    std::vector<TemplateProblem> warnings;
    bool ok = RenderTemplate(v.text(), scope_, &text, &error, &warnings, limits);
    bytes_ += text.text.size();
    steps_ += text.steps;
    work_ += text.work;
    if (!ok && error.over_limit && budgeted) {
      exhausted_ = true;  // one error, and no more rendering
      error.message = "the templates of node '" + node_.name + "' " +
                      (bytes_ >= kMaxConfigBytes
                           ? "render more than " +
                                 std::to_string(kMaxConfigBytes >> 20) + " MiB"
                       : work_ >= kMaxConfigWork
                           ? "build, copy and compare more than " +
                                 std::to_string(kMaxConfigWork >> 20) + " MiB"
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

  // Whether a value under a secret's name is written into the template
  // itself: the whole context is then masked.
  static bool HoldsLiteralSecret(const Value& v) {
    for (const Value::Entry& e : v.entries()) {
      if (IsSensitiveName(e.key) && !e.value.is_null()) return true;
      if (HoldsLiteralSecret(e.value)) return true;
    }
    for (const Value& item : v.items()) {
      if (HoldsLiteralSecret(item)) return true;
    }
    return false;
  }

  // Occopus refuses to build a node whose rendered "#cloud-config" context
  // is not YAML (NodeContextSchemaError): cloud-init would ignore it.
  // yaml-cpp reads every context of the corpus and of tests/rendering as
  // ruamel does (the dumps read back to the same dump).
  void CheckCloudConfig(const Rendered& out, const Value& context) {
    if (!out.known || !out.value.contains("context_template")) return;
    const json& text = out.value["context_template"];
    if (!text.is_string()) return;
    const std::string& s = text.get_ref<const std::string&>();
    if (s.rfind("#cloud-config", 0) != 0) return;
    std::string why;
    if (ReadsAsYaml(s, &why)) return;
    diags_->Error(context.mark(),
                  "the rendered #cloud-config context of node '" + node_.name +
                      "' is not valid YAML (" + why +
                      "); Occopus refuses to build such a node (cloud-init would "
                      "ignore it): quote the template, or make the value it inserts "
                      "fit there");
  }

  static bool ReadsAsYaml(const std::string& text, std::string* why) {
    Diagnostics yaml_diags;
    Value parsed;
    auto name = std::make_shared<const std::string>("line");
    if (ReadYaml(text, name, YamlLimits{}, &parsed, &yaml_diags)) return true;
    *why = yaml_diags.empty() ? "" : yaml_diags.ToString();
    while (!why->empty() && why->back() == '\n') why->pop_back();
    // "line:3:5: error: invalid YAML: …" reads as "line 3:5: invalid YAML: …"
    if (why->rfind("line:", 0) == 0) why->replace(0, 5, "line ");
    size_t e = why->find(": error: ");
    if (e != std::string::npos) why->replace(e, 9, ": ");
    return false;
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
  static constexpr size_t kMaxConfigWork = size_t{256} << 20;

  const NodeSpec& node_;
  const TemplateScope& scope_;
  Diagnostics* diags_;
  size_t bytes_ = 0;
  long long steps_ = 0;
  size_t work_ = 0;
  bool exhausted_ = false;
};

}  // namespace

bool RenderInstanceConfig(const NodeSpec& node, const TemplateScope& scope,
                          InstanceConfig* out, Diagnostics* diags) {
  size_t before = diags->size();
  // Occopus renders resource, then config_management, each seen rendered
  // by what comes after it (rendered_sections.h).
  RenderedSections sections(scope);
  ConfigRenderer renderer(node, sections, diags);
  const Implementation& impl = node.implementation;
  *out = InstanceConfig();
  auto add = [&](const char* name, Rendered r) {
    if (r.known) out->value[name] = std::move(r.value);
    if (r.unknown != false) out->unknown[name] = r.unknown;
    if (r.sensitive != false) out->sensitive[name] = r.sensitive;
  };
  // Each section as later templates see it, made when one names it.
  auto seen = [out](const char* name, std::string type = "") {
    return [out, name, type] {
      static const json kFalse = false;
      auto mirror = [&](const json& m) -> const json& {
        return m.contains(name) ? m[name] : kFalse;
      };
      json value = out->value.contains(name) ? out->value[name] : json::object();
      if (!type.empty()) value["type"] = type;  // the schema leaves it out
      return RenderedValue(value, mirror(out->unknown), mirror(out->sensitive));
    };
  };
  add("resource", renderer.RenderMap(impl.resource, ".resource", false,
                                     FindResourceSchema(impl.resource_type)));
  sections.Set("resource", seen("resource", impl.resource_type));
  if (!impl.config_management.is_null()) {
    add("config_management",
        renderer.Render(impl.config_management, ".config_management", false));
    sections.Set("config_management", seen("config_management"));
    const Value* type = impl.config_management.Find("type");
    if (type && type->is_scalar() && type->text() == "puppet_solo") {
      sections.Set("puppet", [&sections] {
        return PuppetData(*sections.Find("config_management"));
      });
    }
  }
  if (!impl.contextualisation.is_null()) {
    add("contextualisation", renderer.RenderContextualisation(impl.contextualisation));
  }
  if (!impl.health_check.is_null()) {
    add("health_check", renderer.Render(impl.health_check, ".health_check", false));
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
