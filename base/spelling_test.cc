#include "base/spelling.h"

#include <gtest/gtest.h>

namespace occam {

TEST(Spelling, SuggestsCloseKey) {
  EXPECT_EQ("scaling", ClosestSpelling("scalling", {"name", "scaling"}));
  EXPECT_EQ("; did you mean 'variables'?",
            DidYouMean("varaibles", {"variables", "filter"}));
}

TEST(Spelling, NothingWhenFar) {
  EXPECT_EQ("", ClosestSpelling("zzz", {"name", "type"}));
  EXPECT_EQ("", DidYouMean("", {"a"}));
}

TEST(Spelling, IdenticalWordIsNotASuggestion) {
  // A word equal to a candidate has distance 0 and is still returned; callers
  // only ask for words that are not valid.
  EXPECT_EQ("name", ClosestSpelling("name", {"name"}));
}

}  // namespace occam
