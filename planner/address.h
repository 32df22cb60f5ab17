// Addresses as users type them: occam names instances NODE[INDEX]
// ("app[2]"); Terraform names them TYPE.NAME[KEY] ("docker.app[2]"), and
// that is what occam's -json output shows. Every command that takes an
// address accepts both.
#pragma once

#include <string>

namespace occam {

// "docker.app[2]" → "app[2]", "process.app" → "app" when the part before
// the first dot is one of occam's resource types; anything else unchanged.
std::string WithoutResourceType(const std::string& address);

// "docker.app[2]": the address with its resource type, as Terraform's
// `addr` fields spell it.
std::string TerraformAddress(const std::string& type, const std::string& address);

}  // namespace occam
