// Reads and checks an Occopus infrastructure descriptor: its name, user,
// variables, nodes and dependencies. Node types are not linked to their
// definitions here (see compiler.h).
#pragma once

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "descriptor/value.h"

namespace occam {

// Fills the infrastructure part of `*out`: infra_name, user_id, variables,
// nodes (without implementations; variables not yet merged) and
// dependencies (names as written, not yet checked against the nodes).
// Returns false when anything was reported.
bool ReadInfrastructure(const Value& root, Descriptor* out,
                        Diagnostics* diags);

}  // namespace occam
