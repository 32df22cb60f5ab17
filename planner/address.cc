#include "planner/address.h"

#include "providers/resource_schema.h"

namespace occam {

std::string WithoutResourceType(const std::string& address) {
  size_t dot = address.find('.');
  if (dot == std::string::npos || dot + 1 == address.size()) return address;
  std::string type = address.substr(0, dot);
  for (const std::string& known : ResourceTypeNames()) {
    if (known == type) return address.substr(dot + 1);
  }
  return address;
}

std::string TerraformAddress(const std::string& type, const std::string& address) {
  return type.empty() ? address : type + "." + address;
}

}  // namespace occam
