// Base64 (RFC 4648, with padding): how the Docker Engine API takes binary
// data in JSON (a swarm config's Data).
#pragma once

#include <string>
#include <string_view>

namespace occam {

std::string Base64Encode(std::string_view data);

}  // namespace occam
