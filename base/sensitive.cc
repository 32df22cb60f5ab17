#include "base/sensitive.h"

#include <cctype>
#include <string>

namespace occam {

bool IsSensitiveName(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"password", "passwd", "secret", "token"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  size_t cut = lower.find_last_of("_-.");
  std::string last = cut == std::string::npos ? lower : lower.substr(cut + 1);
  return last == "key" || last == "pass" || last == "apikey";
}

}  // namespace occam
