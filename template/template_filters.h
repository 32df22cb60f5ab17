// The filters (`x | join(',')`), tests (`x is defined`) and methods
// (`m.items()`) templates may use, as Jinja2 and Python define them.
// Inputs are neither unknown nor (except where Jinja allows it) undefined:
// the renderer handles those first.
#pragma once

#include <string>
#include <vector>

#include "template/template_value.h"

namespace occam {

// `max_bytes` bounds any value the filter builds: past it, the filter
// refuses before building (an error that names occam's limit).
bool ApplyFilter(const std::string& name, const TemplateValue& input,
                 const std::vector<TemplateValue>& args, size_t max_bytes,
                 TemplateValue* out, std::string* error);

// Puts keyword arguments (`indent(width=8)`) where the filter's parameter
// list has them, filling the skipped ones with Jinja's defaults.
// `keywords` has one entry per argument, "" for a positional one.
bool PlaceKeywordArguments(const std::string& filter, const std::vector<std::string>& keywords,
                           std::vector<TemplateValue>* args, std::string* error);

bool ApplyTest(const std::string& name, const TemplateValue& input,
               const std::vector<TemplateValue>& args, bool* out,
               std::string* error);

bool CallMethod(const std::string& name, const TemplateValue& self,
                const std::vector<TemplateValue>& args, size_t max_bytes,
                TemplateValue* out, std::string* error);

// Python's int() of a string ("12", " -3 "); nullopt when it is not one.
std::optional<long long> ParseInt(const std::string& text);

}  // namespace occam
