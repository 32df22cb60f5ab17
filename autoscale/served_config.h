// What occam serve serves: a compiled descriptor with its digest and the
// options it was read with. The daemon holds one and replaces it whole when
// the state says another configuration was applied (an operator's occam
// apply of an edited descriptor), so that serve follows what was applied
// instead of undoing it.
#pragma once

#include <memory>
#include <string>

#include "base/diagnostic.h"
#include "descriptor/compiler.h"
#include "descriptor/descriptor.h"
#include "descriptor/node_graph.h"
#include "state/state_snapshot.h"

namespace occam {

struct ServedConfig {
  Descriptor descriptor;
  NodeGraph graph;
  std::string digest;  // DescriptorDigest(descriptor); "" when empty()
  CompileOptions options;
  // No descriptor yet: serve started without one waits for
  // POST /infrastructures/ (or an apply it can follow).
  bool empty() const { return digest.empty(); }
};

// Compiles `options`; false with `diags` when the descriptor is invalid.
bool LoadServedConfig(const CompileOptions& options,
                      std::shared_ptr<const ServedConfig>* out,
                      Diagnostics* diags);

// The options of the configuration last applied to `state`
// (kAppliedSourceSetting), keeping `base`'s limits and import rule; false
// when the state records none.
bool AppliedSource(const StateSnapshot& state, const CompileOptions& base,
                   CompileOptions* out);

}  // namespace occam
