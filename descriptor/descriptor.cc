#include "descriptor/descriptor.h"

namespace occam {

int Descriptor::FindNode(const std::string& name) const {
  auto it = node_index.find(name);
  return it == node_index.end() ? -1 : it->second;
}

std::vector<std::string> Descriptor::NodeNames() const {
  std::vector<std::string> names;
  for (const NodeSpec& n : nodes) names.push_back(n.name);
  return names;
}

int Descriptor::MinimumInstances() const {
  int total = 0;
  for (const NodeSpec& n : nodes) total += n.scaling.min;
  return total;
}

}  // namespace occam
