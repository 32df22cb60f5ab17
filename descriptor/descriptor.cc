#include "descriptor/descriptor.h"

#include <cstdlib>
#include <map>

namespace occam {

bool ParsePromDuration(const std::string& text, double* seconds) {
  static const std::map<std::string, double> kUnit = {
      {"ms", 0.001}, {"s", 1},      {"m", 60},          {"h", 3600},
      {"d", 86400},  {"w", 604800}, {"y", 31536000}};
  *seconds = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t digits = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == digits) return false;
    double number = std::strtod(text.substr(digits, i - digits).c_str(), nullptr);
    std::string unit = text.substr(i, text.compare(i, 2, "ms") == 0 ? 2 : 1);
    auto it = kUnit.find(unit);
    if (it == kUnit.end()) return false;
    i += unit.size();
    *seconds += number * it->second;
  }
  return !text.empty();
}

double PromDurationSeconds(const std::string& text) {
  double seconds = 0;
  return ParsePromDuration(text, &seconds) ? seconds : 0;
}

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
