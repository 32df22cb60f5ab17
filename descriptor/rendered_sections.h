// What later templates of an instance see of the sections Occopus renders
// first. Occopus's cloudinit resolver renders `resource`, then
// `config_management` (and builds `puppet.*` from the rendered section),
// in place in the data its templates read, before it renders the context:
// `{{ puppet.attributes }}` in a context holds values, not templates.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "template/template.h"

namespace occam {

// A scope that answers some names with rendered sections and everything
// else as `base` does. `base` must outlive it.
class RenderedSections : public TemplateScope {
 public:
  explicit RenderedSections(const TemplateScope& base) : base_(base) {}

  // `make` gives the section when a template first names it (most never
  // do: converting every instance's sections would cost validate and plan
  // of 10,000 node types some 5 %). What `make` reads must outlive this.
  void Set(const std::string& name, std::function<TemplateValue()> make) {
    sections_[name] = Section{std::move(make), std::nullopt};
  }
  // The section (made now if need be); nullptr when it was not set.
  const TemplateValue* Find(const std::string& name) const;

  TemplateValue Lookup(const std::string& name) const override;
  TemplateValue Call(const std::string& function,
                     const std::vector<TemplateValue>& args, std::string* error,
                     std::string* warning) const override {
    return base_.Call(function, args, error, warning);
  }

 private:
  struct Section {
    std::function<TemplateValue()> make;
    mutable std::optional<TemplateValue> value;
  };
  const TemplateScope& base_;
  std::map<std::string, Section> sections_;
};

// A rendered JSON value as a template value: unknown where `unknown` says
// so, sensitive where `sensitive` does.
TemplateValue RenderedValue(const nlohmann::json& value, const nlohmann::json& unknown,
                            const nlohmann::json& sensitive);

}  // namespace occam
