// Reads and checks an Occopus infrastructure descriptor: its name, user,
// variables, nodes and dependencies. Node types are not linked to their
// definitions here (see compiler.h).
#pragma once

#include "base/diagnostic.h"
#include "descriptor/descriptor.h"
#include "base/value.h"

namespace occam {

// The most instances one infrastructure may have: a node type's 'min' and
// 'max', and the sum of every node type's 'max'. A plan of 100,000
// instances with a 1 KB attribute each takes some 450 MB.
constexpr long long kMaxInstances = 100'000;

// Fills the infrastructure part of `*out`: infra_name, user_id, variables,
// nodes (without implementations; variables not yet merged) and
// dependencies (names as written, not yet checked against the nodes).
// Returns false when anything was reported.
bool ReadInfrastructure(const Value& root, Descriptor* out,
                        Diagnostics* diags);

}  // namespace occam
