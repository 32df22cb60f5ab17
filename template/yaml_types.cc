#include "template/yaml_types.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

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

std::string YamlIntText(const std::string& plain) { return IntText(plain); }
std::string YamlFloatText(const std::string& plain) { return FloatText(plain); }
std::string PythonFloatRepr(double d) { return FloatRepr(d); }
std::string YamlTimestampText(const std::string& plain) { return TimestampText(plain); }

}  // namespace occam
