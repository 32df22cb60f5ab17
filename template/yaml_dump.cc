#include "template/yaml_dump.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace occam {
namespace {

// --- Typing: ruamel's YAML 1.2 implicit resolvers, in the order it tries
// them. Each matcher is one of its regular expressions, written out.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [0-9_]* from `i`; returns the index after the run.
size_t DigitsOrUnderscores(const std::string& s, size_t i) {
  while (i < s.size() && (IsDigit(s[i]) || s[i] == '_')) ++i;
  return i;
}

size_t OptionalSign(const std::string& s, size_t i) {
  return i < s.size() && (s[i] == '-' || s[i] == '+') ? i + 1 : i;
}

// [eE][-+]?[0-9]+ at `i` (sign optional when `sign_required` is false).
size_t Exponent(const std::string& s, size_t i, bool sign_required) {
  if (i >= s.size() || (s[i] != 'e' && s[i] != 'E')) return std::string::npos;
  ++i;
  size_t after_sign = OptionalSign(s, i);
  if (sign_required && after_sign == i) return std::string::npos;
  size_t end = after_sign;
  while (end < s.size() && IsDigit(s[end])) ++end;
  return end > after_sign ? end : std::string::npos;
}

// Python's `re.match(...$)`: `$` also matches before one final "\n".
bool EndsAt(const std::string& s, size_t i) {
  return i == s.size() || (i + 1 == s.size() && s[i] == '\n');
}

bool IsBool12(const std::string& s) {
  for (const char* b : {"true", "True", "TRUE", "false", "False", "FALSE"}) {
    if (s.compare(0, std::string::npos, b) == 0 || s == std::string(b) + "\n") return true;
  }
  return false;
}

bool IsFloat12(const std::string& s) {
  size_t i = OptionalSign(s, 0);
  // [0-9][0-9_]*\.[0-9_]*(exp)? | [0-9][0-9_]*(exp)
  if (i < s.size() && IsDigit(s[i])) {
    size_t j = DigitsOrUnderscores(s, i + 1);
    if (j < s.size() && s[j] == '.') {
      size_t k = DigitsOrUnderscores(s, j + 1);
      if (EndsAt(s, k)) return true;
      size_t e = Exponent(s, k, false);
      if (e != std::string::npos && EndsAt(s, e)) return true;
    }
    size_t e = Exponent(s, j, false);
    if (e != std::string::npos && EndsAt(s, e)) return true;
  }
  // \.[0-9_]+([eE][-+][0-9]+)? | \.(inf|Inf|INF)
  if (i < s.size() && s[i] == '.') {
    size_t k = DigitsOrUnderscores(s, i + 1);
    if (k > i + 1) {
      if (EndsAt(s, k)) return true;
      size_t e = Exponent(s, k, true);
      if (e != std::string::npos && EndsAt(s, e)) return true;
    }
    for (const char* inf : {"inf", "Inf", "INF"}) {
      if (s.compare(i + 1, 3, inf) == 0 && EndsAt(s, i + 4)) return true;
    }
  }
  for (const char* nan : {".nan", ".NaN", ".NAN"}) {
    if (s.compare(0, 4, nan) == 0 && EndsAt(s, 4)) return true;
  }
  return false;
}

bool RunOf(const std::string& s, size_t i, const char* alphabet) {
  size_t j = i;
  while (j < s.size() && std::string_view(alphabet).find(s[j]) != std::string_view::npos) ++j;
  return j > i && EndsAt(s, j);
}

bool IsInt12(const std::string& s) {
  size_t i = OptionalSign(s, 0);
  if (s.compare(i, 2, "0b") == 0 && RunOf(s, i + 2, "01_")) return true;
  if (s.compare(i, 2, "0x") == 0 && RunOf(s, i + 2, "0123456789abcdefABCDEF_")) return true;
  if (s.compare(i, 2, "0o") == 0 && RunOf(s, i + 2, "01234567_")) return true;
  return RunOf(s, i, "0123456789_");
}

bool IsNull12(const std::string& s) {
  for (const char* n : {"", "~", "null", "Null", "NULL", "~\n", "null\n",
                        "Null\n", "NULL\n"}) {
    if (s == n) return true;
  }
  return false;
}

bool IsTimestamp(const std::string& s) {
  auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  auto digits = [&](size_t from, size_t n) {
    for (size_t k = from; k < from + n; ++k) {
      if (!IsDigit(at(k))) return false;
    }
    return true;
  };
  // One or two digits at `i`; how many (0: none).
  auto one_or_two = [&](size_t i) -> size_t { return digits(i, 2) ? 2 : digits(i, 1) ? 1 : 0; };
  // The date alone: [0-9]{4}-[0-9]{2}-[0-9]{2}
  if (digits(0, 4) && at(4) == '-' && digits(5, 2) && at(7) == '-' && digits(8, 2) &&
      EndsAt(s, 10)) {
    return true;
  }
  // A date and a time: year-m-d, then T or blanks, then h:mm:ss[.frac][zone]
  if (!digits(0, 4) || at(4) != '-') return false;
  size_t i = 5, n = one_or_two(i);
  if (!n || at(i + n) != '-') return false;
  i += n + 1;
  if (!(n = one_or_two(i))) return false;
  i += n;
  if (at(i) == 'T' || at(i) == 't') {
    ++i;
  } else {
    size_t j = i;
    while (at(j) == ' ' || at(j) == '\t') ++j;
    if (j == i) return false;
    i = j;
  }
  if (!(n = one_or_two(i))) return false;
  i += n;
  if (at(i) != ':' || !digits(i + 1, 2) || at(i + 3) != ':' || !digits(i + 4, 2)) return false;
  i += 6;
  if (at(i) == '.') {
    ++i;
    while (IsDigit(at(i))) ++i;
  }
  if (EndsAt(s, i)) return true;
  size_t j = i;
  while (at(j) == ' ' || at(j) == '\t') ++j;
  if (at(j) == 'Z') return EndsAt(s, j + 1);
  if (at(j) != '-' && at(j) != '+') return false;
  size_t k = j + 1;
  if (!(n = one_or_two(k))) return false;
  k += n;
  if (at(k) == ':' && digits(k + 1, 2)) k += 3;
  return EndsAt(s, k);
}

// --- Representation: the text ruamel's representer gives a typed value.

std::string WithoutUnderscores(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  return s;
}

// Python's int(text) printed back: decimal with a sign only when negative.
std::string IntText(const std::string& written) {
  std::string s = WithoutUnderscores(written);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.erase(0, 1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'b' ? 2 : s[1] == 'x' ? 16 : 8;
    s.erase(0, 2);
  }
  std::string decimal;
  if (base == 10) {
    size_t first = s.find_first_not_of('0');
    decimal = first == std::string::npos ? "0" : s.substr(first);
  } else {
    unsigned long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || end != s.data() + s.size()) return written;
    decimal = std::to_string(v);
  }
  return negative && decimal != "0" ? "-" + decimal : decimal;
}

// Python's repr(float), lower-cased: the shortest digits that read back,
// positional between 1e-4 and 1e16, scientific outside.
std::string FloatRepr(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, end);  // "-1.2345e+17"
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exp10 = std::atoi(sci.c_str() + e + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp10 < -4 || exp10 >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += ebuf;
  } else if (exp10 < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
  } else if (static_cast<size_t>(exp10) + 1 >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(exp10) + 1 - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<size_t>(exp10) + 1) + "." +
          digits.substr(static_cast<size_t>(exp10) + 1);
  }
  return negative ? "-" + out : out;
}

std::string FloatText(const std::string& written) {
  std::string s = WithoutUnderscores(written);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  std::string lower = s;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool negative = !lower.empty() && lower[0] == '-';
  std::string body = lower;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.erase(0, 1);
  if (body == ".inf") return negative ? "-.inf" : ".inf";
  if (body == ".nan") return ".nan";
  return FloatRepr(std::strtod(lower.c_str(), nullptr));
}

// Days since 1970-01-01 of a proleptic Gregorian date.
long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void CivilFromDays(long long z, long long* y, unsigned* m, unsigned* d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<long long>(yoe) + era * 400 + (*m <= 2);
}

// ruamel reads a date and time as a naive datetime in UTC (the zone is
// applied, then dropped) and writes it with Python's isoformat(' ').
std::string TimestampText(const std::string& written) {
  std::string s = written;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (s.size() == 10) return s;  // a date alone
  size_t i = 0;
  auto number = [&]() {
    long long v = 0;
    while (i < s.size() && IsDigit(s[i])) v = v * 10 + (s[i++] - '0');
    return v;
  };
  auto skip = [&](const char* chars) {
    while (i < s.size() && std::string_view(chars).find(s[i]) != std::string_view::npos) ++i;
  };
  long long year = number();
  skip("-");
  long long month = number();
  skip("-");
  long long day = number();
  skip("Tt \t");
  long long hour = number();
  skip(":");
  long long minute = number();
  skip(":");
  long long second = number();
  long long frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::string digits;
    while (i < s.size() && IsDigit(s[i])) digits.push_back(s[i++]);
    std::string six = digits.substr(0, 6);
    six.resize(6, '0');
    frac = std::atoll(six.c_str());
    if (digits.size() > 6 && digits[6] > '4') ++frac;
  }
  skip(" \t");
  long long delta = 0;  // seconds ruamel subtracts
  bool carry = frac > 999999;
  if (carry) frac = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    char sign = s[i++];
    long long tz_hour = number(), tz_minute = 0;
    if (i < s.size() && s[i] == ':') {
      ++i;
      tz_minute = number();
    }
    delta = tz_hour * 3600 + tz_minute * 60 + (carry ? 1 : 0);
    if (sign == '-') delta = -delta;
  } else if (carry) {
    delta = -1;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return s;
  long long t = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                    86400 +
                hour * 3600 + minute * 60 + second - delta;
  long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  long long rest = t - days * 86400;
  long long y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", y, m, d, rest / 3600,
                rest / 60 % 60, rest % 60);
  std::string out = buf;
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%06lld", frac);
    out += buf;
  }
  return out;
}

// --- The tree ruamel's serializer hands its emitter.

struct Node {
  enum class Kind { kScalar, kSequence, kMapping } kind = Kind::kScalar;
  std::string type = "str";  // of a scalar: a ResolvedYamlType
  std::u32string text;       // of a scalar: its representation
  double number = 0;         // int and float scalars, for key order
  std::vector<Node> items;   // sequence items; mapping keys and values
  const Value* source = nullptr;
};

std::u32string Decode(const std::string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(n);
  }
  return out;
}

Node TypedScalar(const std::string& text, bool quoted) {
  Node n;
  n.type = quoted ? "str" : ResolvedYamlType(text);
  if (n.type == "merge" || n.type == "value") n.type = "str";
  std::string repr = text;
  if (n.type == "int") {
    repr = IntText(text);
    n.number = std::strtod(repr.c_str(), nullptr);
  } else if (n.type == "float") {
    repr = FloatText(text);
    n.number = std::strtod(WithoutUnderscores(text).c_str(), nullptr);
  } else if (n.type == "bool") {
    repr = text.front() == 't' || text.front() == 'T' ? "true" : "false";
    n.number = repr == "true" ? 1 : 0;
  } else if (n.type == "null") {
    repr = "null";
  } else if (n.type == "timestamp") {
    repr = TimestampText(text);
  }
  n.text = Decode(repr);
  return n;
}

bool Comparable(const Node& a, const Node& b) {
  auto group = [](const Node& n) {
    if (n.type == "int" || n.type == "float" || n.type == "bool") return 0;
    if (n.type == "str") return 1;
    if (n.type == "timestamp") return 2;
    return 3;  // None: Python orders it with nothing
  };
  return group(a) == group(b) && group(a) != 3;
}

bool KeyLess(const Node& a, const Node& b) {
  if (a.type == "str" || a.type == "timestamp") return a.text < b.text;
  return a.number < b.number;
}

Node ToNode(const Value& v) {
  Node n;
  n.source = &v;
  if (v.is_null()) return TypedScalar("null", false);
  if (v.is_scalar()) {
    bool str_tag = v.tag() == "!!str" || v.tag() == "tag:yaml.org,2002:str";
    n = TypedScalar(v.text(), v.quoted() || str_tag);
    n.source = &v;
    return n;
  }
  if (v.is_sequence()) {
    n.kind = Node::Kind::kSequence;
    for (const Value& item : v.items()) n.items.push_back(ToNode(item));
    return n;
  }
  n.kind = Node::Kind::kMapping;
  std::vector<std::pair<Node, Node>> entries;
  for (const Value::Entry& e : v.entries()) {
    entries.emplace_back(TypedScalar(e.key, e.key_quoted), ToNode(e.value));
  }
  // sorted(dict.items()) in a try: keys Python cannot compare keep their
  // written order.
  bool sortable = true;
  for (size_t i = 1; i < entries.size(); ++i) {
    sortable = sortable && Comparable(entries[0].first, entries[i].first);
  }
  if (entries.size() == 1 && entries[0].first.type == "null") sortable = true;
  if (sortable) {
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return KeyLess(a.first, b.first);
    });
  }
  for (auto& [key, value] : entries) {
    n.items.push_back(std::move(key));
    n.items.push_back(std::move(value));
  }
  return n;
}

// --- The emitter: ruamel's state machine for block style, one function per
// state it passes through. Columns count characters, as Python's do.

bool IsBreak(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool IsSpaceOrBreak0(char32_t c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\r' || IsBreak(c);
}

struct Analysis {
  bool empty = false;
  bool multiline = false;
  bool allow_flow_plain = true;
  bool allow_block_plain = true;
  bool allow_single_quoted = true;
  bool allow_double_quoted = true;
};

Analysis Analyze(const std::u32string& s) {
  Analysis a;
  if (s.empty()) {
    a.empty = true;
    a.allow_flow_plain = false;
    return a;
  }
  bool block_ind = false, flow_ind = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false,
       trailing_break = false, break_space = false, space_break = false;
  if (s.compare(0, 3, U"---") == 0 || s.compare(0, 3, U"...") == 0) {
    block_ind = flow_ind = true;
  }
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || IsSpaceOrBreak0(s[1]);
  bool previous_space = false, previous_break = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t ch = s[i];
    if (i == 0) {
      if (std::u32string_view(U"#,[]{}&*!|>'\"%@`").find(ch) != std::u32string_view::npos) {
        flow_ind = block_ind = true;
      }
      if (ch == '?' || ch == ':') {
        if (s.size() == 1) flow_ind = true;
        if (followed_by_ws) block_ind = true;
      }
      if (ch == '-' && followed_by_ws) flow_ind = block_ind = true;
    } else {
      if (ch == ',' || ch == '[' || ch == ']' || ch == '{' || ch == '}') flow_ind = true;
      if (ch == ':' && followed_by_ws) flow_ind = block_ind = true;
      if (ch == '#' && preceded_by_ws) flow_ind = block_ind = true;
    }
    if (IsBreak(ch)) line_breaks = true;
    // Printable ASCII and "\n" only: ruamel escapes the rest (allow_unicode
    // is off in Occopus's dump).
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) special = true;
    if (ch == ' ') {
      if (i == 0) leading_space = true;
      if (i == s.size() - 1) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsBreak(ch)) {
      if (i == 0) leading_break = true;
      if (i == s.size() - 1) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = IsSpaceOrBreak0(ch);
    followed_by_ws = i + 2 >= s.size() || IsSpaceOrBreak0(s[i + 2]);
  }
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.allow_flow_plain = a.allow_block_plain = false;
  }
  if (break_space) a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = false;
  if (special || space_break) {
    a.allow_flow_plain = a.allow_block_plain = a.allow_single_quoted = false;
  }
  if (line_breaks) a.allow_flow_plain = a.allow_block_plain = false;
  if (flow_ind) a.allow_flow_plain = false;
  if (block_ind) a.allow_block_plain = false;
  a.multiline = line_breaks;
  return a;
}

// Where Jinja reads template syntax in a scalar: "{{ … }}" and "{% … %}"
// tags, but not the body of a {% raw %} block, which it copies as text.
std::vector<std::pair<size_t, size_t>> TagSpans(const std::u32string& s) {
  std::vector<std::pair<size_t, size_t>> spans;
  auto tag_end = [&](size_t open) {
    char32_t close = s[open + 1] == '{' ? U'}' : s[open + 1];
    size_t j = open + 2;
    while (j + 1 < s.size() && !(s[j] == close && s[j + 1] == '}')) ++j;
    return std::min(j + 2, s.size());
  };
  auto words = [&](size_t b, size_t e) {
    std::string w;
    for (size_t k = b + 2; k + 2 <= e && k < e - 2; ++k) {
      if (s[k] != ' ' && s[k] != '-' && s[k] != '+' && s[k] < 0x80) w.push_back(static_cast<char>(s[k]));
    }
    return w;
  };
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '{' || (s[i + 1] != '{' && s[i + 1] != '%' && s[i + 1] != '#')) continue;
    size_t e = tag_end(i);
    if (s[i + 1] != '#') spans.emplace_back(i, e);
    if (s[i + 1] == '%' && words(i, e) == "raw") {
      // The body up to {% endraw %} is text.
      size_t j = e;
      for (; j + 1 < s.size(); ++j) {
        if (s[j] == '{' && s[j + 1] == '%' && words(j, tag_end(j)) == "endraw") break;
      }
      if (j + 1 >= s.size()) break;
      e = tag_end(j);
      spans.emplace_back(j, e);
    }
    i = e - 1;
  }
  return spans;
}

class Emitter {
 public:
  YamlDump Dump(const Node& root) {
    ExpectNode(root, /*root=*/true, false, false, false);
    WriteIndent();  // the document's end
    if (open_ended_) {
      WriteIndicator(U"...", true);
      WriteIndent();
    }
    return std::move(out_);
  }

 private:
  struct Indent {
    int value;  // -1: none (top level)
    bool sequence;
  };

  void ExpectNode(const Node& n, bool root, bool sequence, bool mapping, bool simple_key) {
    root_context_ = root;
    sequence_context_ = sequence;
    mapping_context_ = mapping;
    simple_key_context_ = simple_key;
    if (n.kind == Node::Kind::kScalar) {
      ExpectScalar(n);
    } else if (n.items.empty()) {
      ExpectEmptyFlow(n.kind == Node::Kind::kSequence ? U"[" : U"{",
                      n.kind == Node::Kind::kSequence ? U"]" : U"}");
    } else if (n.kind == Node::Kind::kSequence) {
      ExpectBlockSequence(n);
    } else {
      ExpectBlockMapping(n);
    }
  }

  void IncreaseIndent(bool flow, bool sequence, bool indentless) {
    indents_.push_back({indent_, sequence});
    if (indent_ < 0) {
      indent_ = flow ? -1 : 0;
    } else if (!indentless) {
      indent_ += 2;  // best_sequence_indent and best_map_indent alike
    }
  }

  void PopIndent() {
    indent_ = indents_.back().value;
    indents_.pop_back();
  }

  void ExpectScalar(const Node& n) {
    IncreaseIndent(true, false, false);
    ProcessScalar(n);
    PopIndent();
  }

  void ExpectEmptyFlow(const char32_t* open, const char32_t* close) {
    int align = 0;
    if (indents_.size() >= 2 && indents_.back().sequence) {
      int base = indents_.back().value < 0 ? 0 : indents_.back().value;
      align = base + 2 - column_ - 1;
    }
    std::u32string indicator(static_cast<size_t>(std::max(align, 0)), U' ');
    WriteIndicator(indicator + open, true, /*whitespace=*/true);
    IncreaseIndent(true, true, false);
    PopIndent();
    WriteIndicator(close, false);
    WriteLineBreak();
  }

  void ExpectBlockSequence(const Node& n) {
    bool indentless = mapping_context_ && !indention_;
    IncreaseIndent(false, true, indentless);
    for (const Node& item : n.items) {
      bool nonl = column_ == 0 ? no_newline_ : false;
      WriteIndent();
      WriteIndicator(U"-", true, false, /*indention=*/true);
      if (nonl) no_newline_ = true;
      ExpectNode(item, false, /*sequence=*/true, false, false);
    }
    PopIndent();
    no_newline_ = false;
  }

  void ExpectBlockMapping(const Node& n) {
    IncreaseIndent(false, false, false);
    for (size_t i = 0; i < n.items.size(); i += 2) {
      const Node& key = n.items[i];
      const Node& value = n.items[i + 1];
      WriteIndent();
      if (IsSimpleKey(key)) {
        ExpectNode(key, false, false, /*mapping=*/true, /*simple_key=*/true);
        WriteIndicator(U":", false);
      } else {
        WriteIndicator(U"?", true, false, /*indention=*/true);
        ExpectNode(key, false, false, true, false);
        WriteIndent();
        WriteIndicator(U":", true, false, true);
      }
      ExpectNode(value, false, false, /*mapping=*/true, false);
    }
    PopIndent();
  }

  static bool IsSimpleKey(const Node& key) {
    return key.text.size() < 128 && !Analyze(key.text).multiline;
  }

  // Whether the plain text of a scalar reads back as its own type.
  static bool PlainReadsBack(const Node& n) {
    if (n.type != "str") return true;
    std::string utf8;
    for (char32_t c : n.text) {
      if (c >= 0x80) return true;  // no resolver matches non-ASCII
      utf8.push_back(static_cast<char>(c));
    }
    return ResolvedYamlType(utf8) == "str";
  }

  char ChooseStyle(const Node& n, const Analysis& a) const {
    if (PlainReadsBack(n) && !(simple_key_context_ && (a.empty || a.multiline)) &&
        a.allow_block_plain) {
      return 0;
    }
    if (a.allow_double_quoted &&
        (n.text.find(U'\'') != std::u32string::npos || n.text.find(U'\n') != std::u32string::npos)) {
      return '"';
    }
    if (a.allow_single_quoted && !(simple_key_context_ && a.multiline)) return '\'';
    return '"';
  }

  void ProcessScalar(const Node& n) {
    Analysis a = Analyze(n.text);
    char style = ChooseStyle(n, a);
    bool split = !simple_key_context_;
    if (sequence_context_) WriteIndent();
    if (style == '"') {
      WriteDoubleQuoted(n, split);
    } else if (style == '\'') {
      WriteSingleQuoted(n.text, split);
    } else {
      WritePlain(n.text, split);
    }
  }

  void WritePlain(const std::u32string& text, bool split) {
    if (root_context_) open_ended_ = true;
    if (text.empty()) return;
    if (!whitespace_) Write(U" ");
    whitespace_ = indention_ = false;
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      bool at_end = end == text.size();
      char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split) {
            WriteIndent();
            whitespace_ = indention_ = false;
          } else {
            Write(text.substr(start, end - start));
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !IsBreak(ch)) {
          WriteBreaks(text, start, end);
          WriteIndent();
          whitespace_ = indention_ = false;
          start = end;
        }
      } else if (at_end || ch == ' ' || IsBreak(ch)) {
        Write(text.substr(start, end - start));
        start = end;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = IsBreak(ch);
      }
    }
  }

  void WriteSingleQuoted(const std::u32string& text, bool split) {
    WriteIndicator(U"'", true);
    bool spaces = false, breaks = false;
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      bool at_end = end == text.size();
      char32_t ch = at_end ? 0 : text[end];
      if (spaces) {
        if (at_end || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && split && start != 0 &&
              end != text.size()) {
            WriteIndent();
          } else {
            Write(text.substr(start, end - start));
          }
          start = end;
        }
      } else if (breaks) {
        if (at_end || !IsBreak(ch)) {
          WriteBreaks(text, start, end);
          WriteIndent();
          start = end;
        }
      } else if (at_end || ch == ' ' || IsBreak(ch) || ch == '\'') {
        if (start < end) {
          Write(text.substr(start, end - start));
          start = end;
        }
      }
      if (ch == '\'') {
        Write(U"''");
        start = end + 1;
      }
      if (!at_end) {
        spaces = ch == ' ';
        breaks = IsBreak(ch);
      }
    }
    WriteIndicator(U"'", false);
  }

  static std::u32string Escape(char32_t ch) {
    static const std::pair<char32_t, const char*> kShort[] = {
        {0, "0"},    {0x07, "a"}, {0x08, "b"}, {0x09, "t"},   {0x0A, "n"},
        {0x0B, "v"}, {0x0C, "f"}, {0x0D, "r"}, {0x1B, "e"},   {'"', "\""},
        {'\\', "\\"}, {0x85, "N"}, {0xA0, "_"}, {0x2028, "L"}, {0x2029, "P"}};
    char buf[16];
    for (const auto& [c, e] : kShort) {
      if (c == ch) {
        std::snprintf(buf, sizeof buf, "\\%s", e);
        return Decode(buf);
      }
    }
    unsigned v = static_cast<unsigned>(ch);
    if (ch <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02X", v);
    } else if (ch <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04X", v);
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08X", v);
    }
    return Decode(buf);
  }

  static bool NeedsEscape(char32_t ch) {
    return ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 ||
           ch == 0xFEFF || !(ch >= 0x20 && ch <= 0x7E);
  }

  void WriteDoubleQuoted(const Node& n, bool split) {
    const std::u32string& text = n.text;
    std::vector<std::pair<size_t, size_t>> tags = TagSpans(text);
    auto in_tag = [&](size_t i) {
      for (auto [b, e] : tags) {
        if (i > b && i < e) return true;
      }
      return false;
    };
    bool warned = false;
    WriteIndicator(U"\"", true);
    size_t start = 0;
    for (size_t end = 0; end <= text.size(); ++end) {
      bool at_end = end == text.size();
      char32_t ch = at_end ? 0 : text[end];
      if (at_end || NeedsEscape(ch)) {
        if (start < end) {
          Write(text.substr(start, end - start));
          start = end;
        }
        if (!at_end) {
          Write(Escape(ch));
          start = end + 1;
        }
      }
      if (0 < end && end + 1 < text.size() && (ch == ' ' || start >= end) &&
          column_ + static_cast<int>(end - start) > kBestWidth && split) {
        // A fold inside a template tag puts a backslash into the tag, which
        // Jinja refuses: Occopus cannot render such a template. occam keeps
        // the line whole, renders what the author wrote, and says so.
        if (in_tag(end)) {
          if (!warned && n.source) {
            std::string excerpt;
            for (size_t k = 0; k < text.size() && k < 40; ++k) {
              excerpt.push_back(text[k] < 0x80 ? static_cast<char>(text[k]) : '?');
            }
            out_.tag_folds.push_back({n.source->mark(), excerpt});
          }
          warned = true;
          continue;
        }
        // After an escape `start` is already past `end`: nothing to copy.
        std::u32string data =
            (start < end ? text.substr(start, end - start) : std::u32string()) + U"\\";
        if (start < end) start = end;
        Write(data);
        WriteIndent();
        whitespace_ = indention_ = false;
        if (text[start] == ' ') Write(U"\\");
      }
    }
    WriteIndicator(U"\"", false);
  }

  void WriteBreaks(const std::u32string& text, size_t start, size_t end) {
    if (text[start] == '\n') WriteLineBreak();
    for (size_t i = start; i < end; ++i) WriteLineBreak(text[i]);
  }

  void WriteIndicator(const std::u32string& indicator, bool need_whitespace,
                      bool whitespace = false, bool indention = false) {
    std::u32string data = whitespace_ || !need_whitespace ? indicator : U" " + indicator;
    whitespace_ = whitespace;
    indention_ = indention_ && indention;
    open_ended_ = false;
    Write(data);
  }

  void WriteIndent() {
    int indent = indent_ < 0 ? 0 : indent_;
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) {
      if (no_newline_) {
        no_newline_ = false;
      } else {
        WriteLineBreak();
      }
    }
    if (column_ < indent) {
      whitespace_ = true;
      Write(std::u32string(static_cast<size_t>(indent - column_), U' '));
    }
  }

  void WriteLineBreak(char32_t data = '\n') {
    whitespace_ = indention_ = true;
    column_ = 0;
    AppendUtf8(data);
  }

  void Write(const std::u32string& data) {
    column_ += static_cast<int>(data.size());
    for (char32_t c : data) AppendUtf8(c);
  }

  void AppendUtf8(char32_t c) {
    std::string& s = out_.text;
    if (c < 0x80) {
      s.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (c >> 6)));
      s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (c >> 12)));
      s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (c >> 18)));
      s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }

  static constexpr int kBestWidth = 80;

  YamlDump out_;
  std::vector<Indent> indents_;
  int indent_ = -1;
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  bool no_newline_ = false;
  bool open_ended_ = false;
  bool root_context_ = false;
  bool sequence_context_ = false;
  bool mapping_context_ = false;
  bool simple_key_context_ = false;
};

}  // namespace

std::string ResolvedYamlType(const std::string& plain) {
  if (IsNull12(plain)) return "null";
  char first = plain[0];
  if (std::string_view("tTfF").find(first) != std::string_view::npos && IsBool12(plain)) {
    return "bool";
  }
  if (std::string_view("-+0123456789.").find(first) != std::string_view::npos &&
      IsFloat12(plain)) {
    return "float";
  }
  if (std::string_view("-+0123456789").find(first) != std::string_view::npos &&
      IsInt12(plain)) {
    return "int";
  }
  if (IsDigit(first) && IsTimestamp(plain)) return "timestamp";
  if (plain == "<<" || plain == "<<\n") return "merge";
  if (plain == "=" || plain == "=\n") return "value";
  return "str";
}

YamlDump DumpYaml(const Value& value) {
  Emitter emitter;
  return emitter.Dump(ToNode(value));
}

}  // namespace occam
