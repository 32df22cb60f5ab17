#include "cli/state_options.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

TEST(ParseDuration, Units) {
  std::chrono::milliseconds ms;
  for (auto [text, want] : {std::pair{"0", 0}, std::pair{"500ms", 500},
                            std::pair{"30s", 30000}, std::pair{"2m", 120000},
                            std::pair{"1h", 3600000}}) {
    ASSERT_TRUE(ParseDuration(text, &ms).ok()) << text;
    EXPECT_EQ(want, ms.count()) << text;
  }
  EXPECT_EQ("'5' is not a duration; write 0, 500ms, 30s, 2m or 1h",
            ParseDuration("5", &ms).message());
  EXPECT_FALSE(ParseDuration("-1s", &ms).ok());
  EXPECT_FALSE(ParseDuration("soon", &ms).ok());
}

}  // namespace
}  // namespace occam
