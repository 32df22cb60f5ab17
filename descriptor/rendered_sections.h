// What later templates of an instance see of the sections Occopus renders
// first. Occopus's cloudinit resolver renders `resource`, then
// `config_management` (and builds `puppet.*` from the rendered section),
// in place in the data its templates read, before it renders the context:
// `{{ puppet.attributes }}` in a context holds values, not templates.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "template/template.h"

namespace occam {

// A scope that answers some names with rendered sections and everything
// else as `base` does. `base` must outlive it.
class RenderedSections : public TemplateScope {
 public:
  explicit RenderedSections(const TemplateScope& base) : base_(base) {}

  // `value` is a rendered section with its unknown and sensitive mirrors
  // (InstanceConfig's shape: unknown leaves left out of objects).
  void Set(const std::string& name, const nlohmann::json& value,
           const nlohmann::json& unknown, const nlohmann::json& sensitive);
  void Set(const std::string& name, TemplateValue value) {
    sections_[name] = std::move(value);
  }
  // The section as set; nullptr when it was not.
  const TemplateValue* Find(const std::string& name) const;

  TemplateValue Lookup(const std::string& name) const override;
  TemplateValue Call(const std::string& function,
                     const std::vector<TemplateValue>& args, std::string* error,
                     std::string* warning) const override {
    return base_.Call(function, args, error, warning);
  }

 private:
  const TemplateScope& base_;
  std::map<std::string, TemplateValue> sections_;
};

// A rendered JSON value as a template value: unknown where `unknown` says
// so, sensitive where `sensitive` does.
TemplateValue RenderedValue(const nlohmann::json& value, const nlohmann::json& unknown,
                            const nlohmann::json& sensitive);

}  // namespace occam
