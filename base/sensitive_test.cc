#include "base/sensitive.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

// Fails if any of the kinds of secret name stops counting: the values under
// these names are masked in every rendering.
TEST(Sensitive, NamesOfSecretsAreSensitive) {
  for (const char* name :
       {"password", "db_password", "vnc_password", "PASSWORD", "passwd",
        "mysql_root_passwd", "secret", "client_secret", "secret_key",
        "token", "api_token", "auth_token", "key", "private_key",
        "hduser_private_key", "ssh_key", "pass", "db_pass"}) {
    EXPECT_TRUE(IsSensitiveName(name)) << name;
  }
}

TEST(Sensitive, NamesOfKeysAndOrdinaryNamesAreShown) {
  for (const char* name : {"key_name", "key_pair_id", "name", "port",
                           "image", "passenger", "keyboard", "db_name",
                           "monkey_bars", "compass_heading"}) {
    EXPECT_FALSE(IsSensitiveName(name)) << name;
  }
}

}  // namespace
}  // namespace occam
