#include "template/template_filters.h"

#include <algorithm>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "template/template_budget.h"
#include "template/template_json.h"

namespace occam {
namespace {

using Kind = TemplateValue::Kind;
using Args = std::vector<TemplateValue>;

bool WantArgs(const std::string& name, const Args& args, size_t min, size_t max,
              std::string* error) {
  if (args.size() >= min && args.size() <= max) return true;
  *error = "'" + name + "' takes " +
           (min == max ? std::to_string(min)
                       : std::to_string(min) + " to " + std::to_string(max)) +
           " argument" + (max == 1 ? "" : "s") + ", not " +
           std::to_string(args.size());
  return false;
}

std::string Strip(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string MapChars(std::string s, int (*fn)(int)) {
  for (char& c : s) c = static_cast<char>(fn(static_cast<unsigned char>(c)));
  return s;
}

std::string ReplaceAll(const std::string& s, const std::string& from,
                       const std::string& to, long long count) {
  if (from.empty()) {
    // Python inserts `to` between characters (and at both ends).
    std::string out = to;
    for (char c : s) out += std::string(1, c) + to;
    return out;
  }
  std::string out;
  size_t pos = 0;
  for (long long n = 0; count < 0 || n < count; ++n) {
    size_t at = s.find(from, pos);
    if (at == std::string::npos) break;
    out += s.substr(pos, at - pos) + to;
    pos = at + from.size();
  }
  return out + s.substr(pos);
}

// False with occam's limit in `*error` when `bytes` are more than `max`.
bool Fits(size_t bytes, size_t max, std::string* error) {
  if (bytes <= max) return true;
  *error = TooLarge(max);
  return false;
}

// An upper bound of the bytes of what Jinja prints for `v`.
size_t StrBytes(const TemplateValue& v, size_t max) {
  if (v.kind() == Kind::kList || v.kind() == Kind::kMap) {
    return ValueBytes(v, max) * 4;  // repr quotes, escapes and separates
  }
  if (v.kind() == Kind::kString) return v.text().size();
  return 32;
}

// What Jinja prints for `v`, when it fits in `max` bytes.
bool StrWithin(const TemplateValue& v, size_t max, std::string* out, std::string* error) {
  if (!Fits(StrBytes(v, max), max, error)) return false;
  *out = v.Str();
  return true;
}

// An upper bound of the bytes of ReplaceAll(s, from, to, count), where
// `to` has `to_bytes`, found without building it.
size_t ReplacedBytes(const std::string& s, const std::string& from, size_t to_bytes,
                     long long count) {
  size_t found = 0;
  if (from.empty()) {
    found = s.size() + 1;
  } else {
    for (size_t at = s.find(from); at != std::string::npos && (count < 0 || static_cast<long long>(found) < count);
         at = s.find(from, at + from.size())) {
      ++found;
    }
  }
  if (count >= 0) found = std::min(found, static_cast<size_t>(count));
  return s.size() + found * to_bytes;
}

bool Iterable(const std::string& name, const TemplateValue& v, size_t max,
              TemplateValue::List* items, std::string* error) {
  if (v.is_undefined()) {
    items->clear();
    return true;
  }
  std::optional<long long> length = v.Length();
  if (length && !Fits(static_cast<size_t>(*length) * kItemBytes, max, error)) return false;
  std::optional<TemplateValue::List> got = v.Iterate();
  if (!got) {
    *error = "'" + name + "' needs a list, a mapping or a string, not " +
             v.TypeName();
    return false;
  }
  *items = std::move(*got);
  return true;
}

bool SensitiveItems(const TemplateValue::List& items) {
  for (const TemplateValue& i : items) {
    if (i.sensitive()) return true;
  }
  return false;
}

// Jinja's indent: every line but the first (unless `first`) gets `by`,
// blank lines only with `blank`.
std::string Indent(const std::string& text, const std::string& by, bool first, bool blank) {
  std::vector<std::string> lines;
  std::string s = text + "\n";
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r') continue;
    lines.push_back(s.substr(start, i - start));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\n";
    bool indent = i == 0 ? first : (blank || !lines[i].empty());
    out += (indent ? by : "") + lines[i];
  }
  return out;
}

// Python's < between two values of one sort (strings or numbers).
bool PythonLess(const TemplateValue& a, const TemplateValue& b, bool* comparable) {
  if (a.is_number() && b.is_number()) return a.real() < b.real();
  if (a.kind() == Kind::kString && b.kind() == Kind::kString) return a.text() < b.text();
  *comparable = false;
  return false;
}

TemplateValue DictSort(const TemplateValue::Map& entries, bool case_sensitive, bool by_value,
                       bool reverse, std::string* err) {
  auto sort_key = [&](const std::pair<std::string, TemplateValue>& e) {
    TemplateValue v = by_value ? e.second : TemplateValue::String(e.first);
    if (!case_sensitive && v.kind() == Kind::kString) {
      v = TemplateValue::String(MapChars(v.text(), std::tolower));
    }
    return v;
  };
  std::vector<std::pair<std::string, TemplateValue>> sorted(entries.begin(), entries.end());
  bool comparable = true;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& x, const auto& y) {
    return reverse ? PythonLess(sort_key(y), sort_key(x), &comparable)
                   : PythonLess(sort_key(x), sort_key(y), &comparable);
  });
  if (!comparable) {
    *err = "'dictsort' cannot order these values: they are not all strings or all numbers";
    return TemplateValue();
  }
  TemplateValue::List items;
  for (auto& [key, value] : sorted) {
    items.push_back(TemplateValue::FromList({TemplateValue::String(key), value}));
  }
  return TemplateValue::FromList(std::move(items));
}

// A filter: `max` bounds the bytes of any value it builds; it refuses
// (with an error naming occam's limit) before building more.
using Filter = std::function<bool(const std::string& name, const TemplateValue&,
                                  const Args&, size_t max, TemplateValue*, std::string*)>;

const std::map<std::string, Filter>& Filters() {
  static const std::map<std::string, Filter> kFilters = [] {
    std::map<std::string, Filter> f;
    f["default"] = [](const std::string& n, const TemplateValue& in,
                      const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 2, err)) return false;
      bool use_default = in.is_undefined() ||
                         (a.size() == 2 && a[1].Truthy() && !in.Truthy());
      *out = use_default ? (a.empty() ? TemplateValue::String("") : a[0]) : in;
      return true;
    };
    f["d"] = f["default"];
    f["join"] = [](const std::string& n, const TemplateValue& in,
                   const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      TemplateValue::List items;
      if (!WantArgs(n, a, 0, 1, err) || !Iterable(n, in, max, &items, err)) return false;
      std::string sep = a.empty() ? "" : a[0].Str(), text;
      size_t bytes = items.empty() ? 0 : sep.size() * (items.size() - 1);
      for (const TemplateValue& item : items) bytes += StrBytes(item, max);
      if (!Fits(bytes, max, err)) return false;
      for (size_t i = 0; i < items.size(); ++i) text += (i ? sep : "") + items[i].Str();
      *out = TemplateValue::String(text, SensitiveItems(items));
      return true;
    };
    auto text_filter = [](std::string (*fn)(const std::string&)) {
      return [fn](const std::string& n, const TemplateValue& in, const Args& a, [[maybe_unused]] size_t max,
                  TemplateValue* out, std::string* err) {
        std::string text;
        if (!WantArgs(n, a, 0, 0, err) || !StrWithin(in, max, &text, err)) return false;
        *out = TemplateValue::String(fn(text), in.sensitive());
        return true;
      };
    };
    f["lower"] = text_filter([](const std::string& s) { return MapChars(s, std::tolower); });
    f["upper"] = text_filter([](const std::string& s) { return MapChars(s, std::toupper); });
    f["trim"] = text_filter(Strip);
    f["string"] = text_filter([](const std::string& s) { return s; });
    f["length"] = [](const std::string& n, const TemplateValue& in,
                     const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 0, err)) return false;
      std::optional<long long> len = in.is_undefined() ? 0 : in.Length();
      if (!len) {
        *err = "'length' needs a list, a mapping or a string, not " + in.TypeName();
        return false;
      }
      *out = TemplateValue::Int(*len);
      return true;
    };
    f["count"] = f["length"];
    f["replace"] = [](const std::string& n, const TemplateValue& in,
                      const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 2, 3, err)) return false;
      long long count = a.size() == 3 && a[2].kind() == Kind::kInt ? a[2].number() : -1;
      std::string text, from, to;
      if (!StrWithin(in, max, &text, err) || !StrWithin(a[0], max, &from, err) ||
          !StrWithin(a[1], max, &to, err) ||
          !Fits(ReplacedBytes(text, from, to.size(), count), max, err)) {
        return false;
      }
      *out = TemplateValue::String(ReplaceAll(text, from, to, count),
                                   in.sensitive() || a[1].sensitive());
      return true;
    };
    f["int"] = [](const std::string& n, const TemplateValue& in,
                  const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 1, err)) return false;
      std::optional<long long> v;
      if (in.kind() == Kind::kInt || in.kind() == Kind::kBool) v = in.number();
      // Jinja tries int(), then int(float()): "3.7" and 3.7 give 3.
      double d = in.kind() == Kind::kFloat ? in.real() : 0;
      bool real = in.kind() == Kind::kFloat;
      if (in.kind() == Kind::kString) {
        v = ParseInt(in.text());
        std::string t = Strip(in.text());
        char* end = nullptr;
        if (!v && !t.empty()) d = std::strtod(t.c_str(), &end);
        real = !v && !t.empty() && end == t.c_str() + t.size();
      }
      if (real && std::isfinite(d) && std::fabs(d) < 9.2e18) v = static_cast<long long>(d);
      *out = v ? TemplateValue::Int(*v)
               : (a.empty() ? TemplateValue::Int(0) : a[0]);
      out->MarkSensitive(in.sensitive());
      return true;
    };
    f["first"] = [](const std::string& n, const TemplateValue& in,
                    const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      TemplateValue::List items;
      if (!WantArgs(n, a, 0, 0, err)) return false;
      if (in.kind() == Kind::kString) {
        std::optional<TemplateValue> c = in.Item(0);
        *out = c ? *c : TemplateValue::Undefined("first item");
        return true;
      }
      if (!Iterable(n, in, max, &items, err)) return false;
      *out = items.empty() ? TemplateValue::Undefined("first item") : items.front();
      return true;
    };
    f["last"] = [](const std::string& n, const TemplateValue& in,
                   const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      TemplateValue::List items;
      if (!WantArgs(n, a, 0, 0, err)) return false;
      if (in.kind() == Kind::kString) {
        std::optional<TemplateValue> c = in.Item(-1);
        *out = c ? *c : TemplateValue::Undefined("last item");
        return true;
      }
      if (!Iterable(n, in, max, &items, err)) return false;
      *out = items.empty() ? TemplateValue::Undefined("last item") : items.back();
      return true;
    };
    f["list"] = [](const std::string& n, const TemplateValue& in,
                   const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      TemplateValue::List items;
      if (!WantArgs(n, a, 0, 0, err) || !Iterable(n, in, max, &items, err)) return false;
      *out = TemplateValue::FromList(std::move(items));
      return true;
    };
    f["indent"] = [](const std::string& n, const TemplateValue& in,
                     const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      std::string text;
      if (!WantArgs(n, a, 0, 3, err) || !StrWithin(in, max, &text, err)) return false;
      size_t width = a.empty() ? 4
                     : a[0].kind() == Kind::kString
                         ? a[0].text().size()
                         : static_cast<size_t>(std::max(0LL, a[0].number()));
      size_t lines = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) +
                     static_cast<size_t>(std::count(text.begin(), text.end(), '\r'));
      if (width > max || !Fits(text.size() + lines * width, max, err)) {
        *err = TooLarge(max);
        return false;
      }
      std::string by = !a.empty() && a[0].kind() == Kind::kString ? a[0].text()
                                                                  : std::string(width, ' ');
      bool first = a.size() > 1 && a[1].Truthy(), blank = a.size() > 2 && a[2].Truthy();
      *out = TemplateValue::String(Indent(text, by, first, blank), in.sensitive());
      return true;
    };
    f["tojson"] = [](const std::string& n, const TemplateValue& in,
                     const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 1, err)) return false;
      // Python's json.dumps: no indent is one line; a negative one breaks
      // lines without indenting them.
      long long indent = a.empty() || a[0].kind() == Kind::kNone ? -1
                         : std::max(0LL, a[0].number());
      if (indent > static_cast<long long>(max)) {
        *err = TooLarge(max);
        return false;
      }
      std::optional<std::string> json = TemplateJson(in, indent, max);
      if (!json) {
        *err = TooLarge(max);
        return false;
      }
      *out = TemplateValue::String(std::move(*json), in.sensitive());
      return true;
    };
    f["dictsort"] = [](const std::string& n, const TemplateValue& in,
                       const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 3, err)) return false;
      std::optional<TemplateValue::Map> entries = in.Entries();
      if (!entries) {
        *err = "'dictsort' needs a mapping, not " + in.TypeName();
        return false;
      }
      bool case_sensitive = !a.empty() && a[0].Truthy();
      std::string by = a.size() > 1 ? a[1].Str() : "key";
      if (by != "key" && by != "value") {
        *err = "'dictsort' sorts by \"key\" or \"value\", not \"" + by + "\"";
        return false;
      }
      *out = DictSort(*entries, case_sensitive, by == "value", a.size() > 2 && a[2].Truthy(), err);
      return err->empty();
    };
    f["float"] = [](const std::string& n, const TemplateValue& in,
                    const Args& a, [[maybe_unused]] size_t max, TemplateValue* out, std::string* err) {
      if (!WantArgs(n, a, 0, 1, err)) return false;
      std::optional<double> v;
      if (in.is_number()) v = in.real();
      if (in.kind() == Kind::kString) {
        std::string t = Strip(in.text());
        char* end = nullptr;
        double d = std::strtod(t.c_str(), &end);
        if (!t.empty() && end == t.c_str() + t.size()) v = d;
      }
      *out = v ? TemplateValue::Float(*v) : (a.empty() ? TemplateValue::Float(0) : a[0]);
      out->MarkSensitive(in.sensitive());
      return true;
    };
    return f;
  }();
  return kFilters;
}

// The names of each filter's parameters, in order, for keyword arguments.
const std::map<std::string, std::vector<std::string>>& FilterParameters() {
  static const std::map<std::string, std::vector<std::string>> kParams = {
      {"default", {"default_value", "boolean"}},
      {"d", {"default_value", "boolean"}},
      {"join", {"d"}},
      {"replace", {"old", "new", "count"}},
      {"int", {"default"}},
      {"float", {"default"}},
      {"indent", {"width", "first", "blank"}},
      {"tojson", {"indent"}},
      {"dictsort", {"case_sensitive", "by", "reverse"}},
  };
  return kParams;
}

// Jinja's default of a filter's parameter at `position`.
TemplateValue DefaultArgument(const std::string& filter, size_t position) {
  if (filter == "indent" && position == 0) return TemplateValue::Int(4);
  if (filter == "dictsort" && position == 1) return TemplateValue::String("key");
  if ((filter == "default" || filter == "d") && position == 0) return TemplateValue::String("");
  if (filter == "join" && position == 0) return TemplateValue::String("");
  if (filter == "replace" && position == 2) return TemplateValue::Int(-1);
  if (filter == "int") return TemplateValue::Int(0);
  if (filter == "float") return TemplateValue::Float(0);
  if (filter == "tojson") return TemplateValue::None();
  return TemplateValue::Bool(false);
}

}  // namespace

std::optional<long long> ParseInt(const std::string& text) {
  std::string s = Strip(text);
  if (s.empty()) return std::nullopt;
  size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (size_t j = i; j < s.size(); ++j) {
    if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
  }
  errno = 0;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return v;
}

bool PlaceKeywordArguments(const std::string& filter, const std::vector<std::string>& keywords,
                           Args* args, std::string* error) {
  auto params = FilterParameters().find(filter);
  Args placed;
  for (size_t i = 0; i < args->size(); ++i) {
    if (keywords[i].empty()) {
      placed.push_back((*args)[i]);
      continue;
    }
    static const std::vector<std::string> kNone;
    const std::vector<std::string>& names =
        params == FilterParameters().end() ? kNone : params->second;
    auto at = std::find(names.begin(), names.end(), keywords[i]);
    if (at == names.end()) {
      *error = "'" + filter + "' has no parameter '" + keywords[i] + "'";
      return false;
    }
    size_t position = static_cast<size_t>(at - names.begin());
    if (placed.size() > position && !placed[position].is_undefined()) {
      *error = "'" + filter + "' got '" + keywords[i] + "' twice";
      return false;
    }
    // Jinja's defaults for the parameters skipped over.
    while (placed.size() < position) placed.push_back(DefaultArgument(filter, placed.size()));
    if (placed.size() == position) placed.push_back((*args)[i]);
    else placed[position] = (*args)[i];
  }
  *args = std::move(placed);
  return true;
}

bool ApplyFilter(const std::string& name, const TemplateValue& input,
                 const Args& args, size_t max_bytes, TemplateValue* out, std::string* error) {
  auto it = Filters().find(name);
  if (it == Filters().end()) {
    std::string all;
    for (const auto& [n, f] : Filters()) all += (all.empty() ? "" : ", ") + n;
    *error = "unknown filter '" + name + "'; occam supports " + all;
    return false;
  }
  return it->second(name, input, args, max_bytes, out, error);
}

bool ApplyTest(const std::string& name, const TemplateValue& input,
               const Args& args, bool* out, std::string* error) {
  Kind k = input.kind();
  if (name == "defined" || name == "undefined") {
    *out = (k != Kind::kUndefined) == (name == "defined");
  } else if (name == "none") {
    *out = k == Kind::kNone;
  } else if (name == "string") {
    *out = k == Kind::kString;
  } else if (name == "number" || name == "integer") {
    *out = k == Kind::kInt;
  } else if (name == "boolean") {
    *out = k == Kind::kBool;
  } else if (name == "mapping") {
    *out = k == Kind::kMap;
  } else if (name == "sequence" || name == "iterable") {
    *out = k == Kind::kList || k == Kind::kMap || k == Kind::kString;
  } else if (name == "eq" || name == "equalto" || name == "sameas") {
    if (!WantArgs(name, args, 1, 1, error)) return false;
    *out = input.Equals(args[0]);
  } else if (name == "even" || name == "odd") {
    if (k != Kind::kInt) {
      *error = "'" + name + "' needs a whole number, not " + input.TypeName();
      return false;
    }
    *out = (input.number() % 2 == 0) == (name == "even");
  } else {
    *error = "unknown test '" + name +
             "'; occam supports defined, undefined, none, string, number, "
             "boolean, mapping, sequence, iterable, eq, even and odd";
    return false;
  }
  return true;
}

bool CallMethod(const std::string& name, const TemplateValue& self,
                const Args& args, size_t max_bytes, TemplateValue* out, std::string* error) {
  bool is_map = self.kind() == Kind::kMap;
  bool is_string = self.kind() == Kind::kString;
  if (is_map && (name == "items" || name == "keys" || name == "values")) {
    if (!WantArgs(name, args, 0, 0, error)) return false;
    TemplateValue::List items;
    TemplateValue::Map entries = *self.Entries();
    for (auto& [key, value] : entries) {
      TemplateValue k = TemplateValue::String(key);
      if (name == "keys") items.push_back(k);
      if (name == "values") items.push_back(value);
      if (name == "items") items.push_back(TemplateValue::FromList({k, value}));
    }
    *out = TemplateValue::FromList(std::move(items));
    return true;
  }
  if (is_map && name == "get") {
    if (!WantArgs(name, args, 1, 2, error)) return false;
    std::optional<TemplateValue> v = self.Member(args[0].Str());
    *out = v ? *v : args.size() == 2 ? args[1] : TemplateValue::None();
    return true;
  }
  if (is_string && (name == "lower" || name == "upper" || name == "strip")) {
    return ApplyFilter(name == "strip" ? "trim" : name, self, args, max_bytes, out, error);
  }
  if (is_string && (name == "startswith" || name == "endswith")) {
    if (!WantArgs(name, args, 1, 1, error)) return false;
    const std::string& s = self.text();
    std::string a = args[0].Str();
    bool starts = s.compare(0, a.size(), a) == 0;
    bool ends = s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0;
    *out = TemplateValue::Bool(name == "startswith" ? starts : ends);
    return true;
  }
  if (is_string && name == "split") {
    if (!WantArgs(name, args, 0, 1, error)) return false;
    TemplateValue::List parts;
    const std::string& s = self.text();
    // Counted as they are made, so that no more than max_bytes is built.
    size_t bytes = 0;
    auto add = [&](std::string part) {
      bytes += kItemBytes + part.size();
      if (!Fits(bytes, max_bytes, error)) return false;
      parts.push_back(TemplateValue::String(std::move(part)));
      return true;
    };
    if (args.empty()) {
      size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        size_t b = i;
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i > b && !add(s.substr(b, i - b))) return false;
      }
    } else {
      std::string sep = args[0].Str();
      if (sep.empty()) {
        *error = "'split' needs a separator that is not empty";
        return false;
      }
      size_t pos = 0;
      for (size_t at; (at = s.find(sep, pos)) != std::string::npos; pos = at + sep.size()) {
        if (!add(s.substr(pos, at - pos))) return false;
      }
      if (!add(s.substr(pos))) return false;
    }
    *out = TemplateValue::FromList(std::move(parts));
    return true;
  }
  *error = "unsupported method '" + name + "' of " + self.TypeName() +
           "; occam supports items, keys, values and get of mappings, and "
           "lower, upper, strip, split, startswith and endswith of strings";
  return false;
}

}  // namespace occam
