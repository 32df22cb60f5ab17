// Spelling suggestions for "did you mean …" hints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace occam {

// The candidate closest to `word` by edit distance, when it is close enough to
// be a likely typo (at most a third of the word's length, and at least one
// edit); "" otherwise. Ties go to the earliest candidate.
std::string ClosestSpelling(std::string_view word,
                            const std::vector<std::string>& candidates);

// "; did you mean 'x'?" or "" when nothing is close.
std::string DidYouMean(std::string_view word,
                       const std::vector<std::string>& candidates);

}  // namespace occam
