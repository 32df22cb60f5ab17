// UTF-8 checks for text that ends up in JSON (plans, the state, provider
// requests): nlohmann::json refuses to write invalid UTF-8, and occam reads
// text as YAML does, as UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace occam {

// The offset of the first byte that is not part of a well-formed UTF-8
// sequence (overlong forms, surrogates and code points above U+10FFFF are
// not), or std::string_view::npos when `text` is valid UTF-8.
size_t InvalidUtf8Offset(std::string_view text);

// `text` with every byte that is not part of well-formed UTF-8 read as the
// Latin-1 character of its value (0xFF -> U+00FF, "ÿ"): what a YAML escape
// "\xFF" means, and what PyYAML makes of it.
std::string Latin1WhereInvalidUtf8(std::string_view text);

// `text` as it may be shown on a terminal: control characters other than
// newline and tab (ESC starts the sequences that recolour or rewrite a
// terminal), DEL, C1 controls and bytes that are not UTF-8 are written as
// \xNN. Past `max_bytes` of the text the rest is left out and
// "… (N bytes)" says how long it was.
std::string Printable(std::string_view text,
                      size_t max_bytes = std::string_view::npos);

// A short, one-line excerpt of a value a user wrote, for a message that
// quotes it: Printable with newlines and tabs escaped too, at most
// `max_bytes` of it. Never a whole imported file.
std::string Excerpt(std::string_view text, size_t max_bytes = 64);

}  // namespace occam
