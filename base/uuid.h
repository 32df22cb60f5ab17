// Random (version 4) UUIDs, for state lineages, infrastructure ids and lock
// ids.
#pragma once

#include <string>

namespace occam {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" from the kernel's random source.
std::string NewUuid();

// True for the textual form of any UUID.
bool IsUuid(const std::string& text);

}  // namespace occam
