// Terraform's -var NAME=VALUE and -var-file FILE for Occopus descriptors:
// they override the infrastructure's `variables` (a node's own variables
// still win over them, as they win over the infrastructure's). A value is
// typed as YAML types a plain scalar (-var count=3 is a number); a dotted
// name sets a nested key (-var db.port=5433). A var file is a YAML (or
// JSON) mapping of variables.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "descriptor/source_loader.h"
#include "base/value.h"

namespace occam {

struct VariableOverrides {
  std::vector<std::string> files;        // applied first, in order
  std::vector<std::string> assignments;  // "NAME=VALUE", applied last
  bool empty() const { return files.empty() && assignments.empty(); }
};

// Applies `overrides` to `*variables` (the infrastructure's; null becomes a
// mapping). Problems are reported as diagnostics naming the option.
bool ApplyVariableOverrides(const VariableOverrides& overrides,
                            SourceLoader* loader, Value* variables,
                            Diagnostics* diags);

}  // namespace occam
