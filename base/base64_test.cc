#include "base/base64.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

// RFC 4648, section 10, and bytes above 0x7f.
TEST(Base64, EncodesTheRfcVectors) {
  EXPECT_EQ("", Base64Encode(""));
  EXPECT_EQ("Zg==", Base64Encode("f"));
  EXPECT_EQ("Zm8=", Base64Encode("fo"));
  EXPECT_EQ("Zm9v", Base64Encode("foo"));
  EXPECT_EQ("Zm9vYg==", Base64Encode("foob"));
  EXPECT_EQ("Zm9vYmE=", Base64Encode("fooba"));
  EXPECT_EQ("Zm9vYmFy", Base64Encode("foobar"));
  EXPECT_EQ("AP/+", Base64Encode(std::string("\0\xff\xfe", 3)));
}

}  // namespace
}  // namespace occam
