#include "cli/color.h"

#include <unistd.h>

#include <cstdlib>

namespace occam {
namespace {

bool g_no_color = false;

const char kReset[] = "\x1b[0m";
const char kBold[] = "\x1b[1m";
const char kGreen[] = "\x1b[32m";
const char kYellow[] = "\x1b[33m";
const char kRed[] = "\x1b[31m";

// The colour of a line's leading symbol, or "" for none.
std::string SymbolColor(const std::string& symbol) {
  if (symbol == "+") return kGreen;
  if (symbol == "~") return kYellow;
  if (symbol == "-") return kRed;
  return "";
}

std::string ColorLine(const std::string& line) {
  size_t start = line.find_first_not_of(' ');
  if (start == std::string::npos) return line;
  if (line.compare(start, 3, "-/+") == 0 || line.compare(start, 3, "+/-") == 0) {
    std::string first = SymbolColor(line.substr(start, 1));
    std::string last = SymbolColor(line.substr(start + 2, 1));
    return line.substr(0, start) + first + line[start] + kReset + "/" + last +
           line[start + 2] + kReset + line.substr(start + 3);
  }
  if (line[start] == '#') {
    return line.substr(0, start) + kBold + line.substr(start) + kReset;
  }
  std::string color = SymbolColor(line.substr(start, 1));
  bool symbol = start + 1 < line.size() && line[start + 1] == ' ';
  if (color.empty() || !symbol) return line;
  return line.substr(0, start) + color + line[start] + kReset +
         line.substr(start + 1);
}

}  // namespace

void SetNoColor(bool no_color) { g_no_color = no_color; }

bool ColorStdout() {
  const char* env = std::getenv("NO_COLOR");
  if (g_no_color || (env && *env)) return false;
  return isatty(STDOUT_FILENO) == 1;
}

std::string ColorizePlanText(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    bool newline = end != std::string::npos;
    if (!newline) end = text.size();
    out += ColorLine(text.substr(pos, end - pos));
    if (newline) out += '\n';
    pos = end + 1;
  }
  return out;
}

std::string ForStdout(const std::string& plan_text) {
  return ColorStdout() ? ColorizePlanText(plan_text) : plan_text;
}

}  // namespace occam
