// Colour on the terminal, as Terraform uses it: the change symbols of a
// text plan in green (+), yellow (~) and red (-), headlines in bold. Only
// when stdout is a terminal, and never with -no-color or NO_COLOR set
// (https://no-color.org).
#pragma once

#include <string>

namespace occam {

// Set from the command line's -no-color.
void SetNoColor(bool no_color);
// Whether output on stdout is coloured.
bool ColorStdout();
// `text` (a text plan) with its symbols and headlines coloured.
std::string ColorizePlanText(const std::string& text);
// ColorizePlanText when ColorStdout(), else `text`.
std::string ForStdout(const std::string& plan_text);

}  // namespace occam
