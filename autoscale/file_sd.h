// Prometheus file-based service discovery: one JSON file per node type,
// NODE.json, listing each ready instance as a target ("ip:port", or the ip
// when the instance has no port) labelled infra_id, node and instance.
// Files are replaced atomically (write, fsync, rename), so Prometheus never
// reads half a file.
#pragma once

#include <string>

#include "base/status.h"
#include "descriptor/descriptor.h"
#include "state/state_snapshot.h"

namespace occam {

// Writes the target files of every node type of `descriptor` into `dir`
// (created when missing).
Status WriteFileSdTargets(const Descriptor& descriptor,
                          const StateSnapshot& state, const std::string& dir);

}  // namespace occam
