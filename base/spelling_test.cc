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

// A word equal to a candidate has distance 0 and is returned: callers only
// ask about words that are not valid, so "did you mean" never names the
// word itself in practice. (This test was called IdenticalWordIsNot-
// ASuggestion while asserting that it is.)
TEST(Spelling, IdenticalWordIsItsOwnClosestSpelling) {
  EXPECT_EQ("name", ClosestSpelling("name", {"name"}));
}

}  // namespace occam
