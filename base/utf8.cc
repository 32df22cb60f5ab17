#include "base/utf8.h"

namespace occam {
namespace {

// The length of the well-formed sequence at text[i], or 0 (RFC 3629's
// table: the second byte's range depends on the first).
size_t SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  auto in = [](unsigned b, unsigned lo, unsigned hi) {
    return b >= lo && b <= hi;
  };
  unsigned b0 = byte(0), b1 = byte(1);
  if (b0 < 0x80) return 1;
  size_t n = 0;
  bool second_ok = false;
  if (in(b0, 0xC2, 0xDF)) n = 2, second_ok = in(b1, 0x80, 0xBF);
  else if (b0 == 0xE0) n = 3, second_ok = in(b1, 0xA0, 0xBF);
  else if (b0 == 0xED) n = 3, second_ok = in(b1, 0x80, 0x9F);
  else if (in(b0, 0xE1, 0xEF)) n = 3, second_ok = in(b1, 0x80, 0xBF);
  else if (b0 == 0xF0) n = 4, second_ok = in(b1, 0x90, 0xBF);
  else if (in(b0, 0xF1, 0xF3)) n = 4, second_ok = in(b1, 0x80, 0xBF);
  else if (b0 == 0xF4) n = 4, second_ok = in(b1, 0x80, 0x8F);
  if (n == 0 || !second_ok) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!in(byte(k), 0x80, 0xBF)) return 0;
  }
  return n;
}

}  // namespace

size_t InvalidUtf8Offset(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string Latin1WhereInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    size_t n = SequenceLength(text, i);
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    unsigned char b = static_cast<unsigned char>(text[i++]);
    out += static_cast<char>(0xC0 | (b >> 6));
    out += static_cast<char>(0x80 | (b & 0x3F));
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t max_bytes) {
  std::string out;
  std::string shown = Printable(text, max_bytes);
  for (char c : shown) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out;
}

std::string Printable(std::string_view text, size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  auto escape = [](std::string* out, unsigned char b) {
    *out += "\\x";
    *out += kHex[b >> 4];
    *out += kHex[b & 15];
  };
  std::string out;
  size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    size_t n = SequenceLength(text, i);
    bool c1 = n == 2 && b == 0xC2 &&
              static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (n == 0 || c1) {
      escape(&out, n == 0 ? b : static_cast<unsigned char>(text[i + 1]));
      i += n == 0 ? 1 : 2;
    } else if (n == 1 && ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F)) {
      escape(&out, b);
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size()) {
    out += "\xE2\x80\xA6 (" + std::to_string(text.size()) + " bytes)";
  }
  return out;
}

}  // namespace occam
