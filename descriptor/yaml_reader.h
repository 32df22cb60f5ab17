// Reads one YAML document into a Value, with positions, under limits that
// keep hostile input (alias bombs, deep nesting) from exhausting memory or
// the stack. Aliases are expanded, YAML merge keys (`<<: *x`) applied and
// duplicate keys reported.
#pragma once

#include <memory>
#include <string>

#include "base/diagnostic.h"
#include "base/value.h"

namespace occam {

struct YamlLimits {
  // Nodes in the document after alias expansion. A descriptor of 10,000
  // node types has about 200,000; a million take some 200 MB.
  size_t max_nodes = 1'000'000;
  // Bytes of scalar text after alias expansion: a 1 MiB string aliased
  // 2,000 times is 2 GB. Twice the largest file occam reads.
  size_t max_bytes = size_t{128} << 20;
  // Nesting depth of sequences and mappings.
  int max_depth = 200;
};

// Parses `text`, the contents of `file`, into `*out`. Returns false and
// adds diagnostics when the text is not one well-formed YAML document within
// the limits; `*out` is then unspecified.
bool ReadYaml(const std::string& text,
              const std::shared_ptr<const std::string>& file,
              const YamlLimits& limits, Value* out, Diagnostics* diags);

}  // namespace occam
