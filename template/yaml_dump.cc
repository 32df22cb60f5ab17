#include "template/yaml_dump.h"

#include "template/yaml_types.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace occam {
namespace {

// --- What ruamel's emitter makes of a scalar's characters.

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

// --- The tree ruamel's serializer hands its emitter.

struct Node {
  enum class Kind { kScalar, kSequence, kMapping } kind = Kind::kScalar;
  std::string type = "str";  // of a scalar: a ResolvedYamlType
  std::u32string text;       // of a scalar: its representation
  double number = 0;         // int and float scalars, for key order
  std::vector<Node> items;   // sequence items; mapping keys and values
  const Value* source = nullptr;
  Analysis analysis;         // of a scalar's text
  bool plain_reads_back = true;  // its plain text reads back as its type
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
  std::string plain_type = ResolvedYamlType(text);
  n.type = quoted ? "str" : plain_type;
  if (n.type == "merge" || n.type == "value") n.type = "str";
  // A string that reads as something else when plain must be quoted
  // (ruamel's implicit[0]); the other types print their own plain text.
  n.plain_reads_back = n.type != "str" || plain_type == "str";
  std::string repr = text;
  if (n.type == "int") {
    repr = YamlIntText(text);
    n.number = std::strtod(repr.c_str(), nullptr);
  } else if (n.type == "float") {
    repr = YamlFloatText(text);
    n.number = std::strtod(repr.c_str(), nullptr);
  } else if (n.type == "bool") {
    repr = text.front() == 't' || text.front() == 'T' ? "true" : "false";
    n.number = repr == "true" ? 1 : 0;
  } else if (n.type == "null") {
    repr = "null";
  } else if (n.type == "timestamp") {
    repr = YamlTimestampText(text);
  }
  n.text = Decode(repr);
  n.analysis = Analyze(n.text);
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
    return key.text.size() < 128 && !key.analysis.multiline;
  }

  char ChooseStyle(const Node& n, const Analysis& a) const {
    if (n.plain_reads_back && !(simple_key_context_ && (a.empty || a.multiline)) &&
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
    char style = ChooseStyle(n, n.analysis);
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
            // As the dump writes it: escapes stay escapes.
            for (size_t k = 0; k < text.size() && excerpt.size() < 40; ++k) {
              if (NeedsEscape(text[k])) {
                for (char32_t c : Escape(text[k])) excerpt.push_back(static_cast<char>(c));
              } else {
                excerpt.push_back(static_cast<char>(text[k]));
              }
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

YamlDump DumpYaml(const Value& value) {
  Emitter emitter;
  return emitter.Dump(ToNode(value));
}

}  // namespace occam
