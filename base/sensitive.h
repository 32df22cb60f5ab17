// Which names hold secrets. Values under such names — variables, resource
// attributes, health-check credentials — are masked in every rendering.
#pragma once

#include <string_view>

namespace occam {

// True for names like password, db_password, vnc_password, secret_key,
// hduser_private_key, api_token, pass: anything containing "password",
// "passwd", "secret" or "token", or whose last word is "key" or "pass".
// key_name or key_pair_id are names of keys, not keys, and are shown.
bool IsSensitiveName(std::string_view name);

}  // namespace occam
