#include "cli/attribute_diff.h"

#include <algorithm>

namespace occam {
namespace {

using nlohmann::json;

const json kNull;
const char kSensitive[] = "(sensitive value)";
const char kUnknown[] = "(known after apply)";

const json& Child(const json& j, const std::string& key) {
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

const json& Child(const json& j, size_t i) {
  return j.is_array() && i < j.size() ? j[i] : kNull;
}

bool IsTrue(const json& j) { return j.is_boolean() && j.get<bool>(); }

std::string Indent(int depth) { return std::string(2 + 4 * depth, ' '); }

std::string Key(const std::string& key) {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return plain ? key : json(key).dump();
}

// One side of a difference: its value, and whether it is secret / unknown.
struct Side {
  const json& value;
  const json& sensitive;
  const json& unknown;
  bool present() const { return !value.is_null() || IsTrue(unknown); }
};

class DiffWriter {
 public:
  explicit DiffWriter(const std::set<std::string>& forces) : forces_(forces) {}

  std::string out;

  // The attributes of an object at `depth`, with keys aligned.
  void Body(const Side& before, const Side& after, int depth,
            const std::string& path) {
    std::set<std::string> keys;
    for (const json* j : {&before.value, &after.value, &after.unknown}) {
      if (j->is_object()) {
        for (auto& [k, v] : j->items()) keys.insert(k);
      }
    }
    size_t width = 0;
    for (const std::string& k : keys) width = std::max(width, Key(k).size());
    int hidden = 0;
    for (const std::string& k : keys) {
      Side b{Child(before.value, k), Child(before.sensitive, k), kNull};
      Side a{Child(after.value, k), Child(after.sensitive, k),
             Child(after.unknown, k)};
      std::string label = Key(k) + std::string(width - Key(k).size(), ' ');
      if (!Change(label, b, a, depth, path.empty() ? k : path + "." + k)) {
        ++hidden;
      }
    }
    if (hidden > 0 && before.present() && after.present()) {
      out += Indent(depth) + "  # (" + std::to_string(hidden) + " unchanged " +
             (hidden == 1 ? "attribute" : "attributes") + " hidden)\n";
    }
  }

 private:
  // Writes the difference of one attribute; false when there is none.
  bool Change(const std::string& label, const Side& b, const Side& a, int depth,
              const std::string& path) {
    if (!b.present() && !a.present()) return false;
    if (!b.present()) return Whole('+', label, a, depth, path), true;
    if (!a.present()) return Whole('-', label, b, depth, path), true;
    std::string prefix = label.empty() ? "" : label + " = ";
    if (IsTrue(a.unknown)) {
      Line(depth, '~', prefix + Scalar(b) + " -> " + kUnknown, path);
      return true;
    }
    if (b.value == a.value && !HasTrue(a.unknown) &&
        IsTrue(b.sensitive) == IsTrue(a.sensitive)) {
      return false;
    }
    if (IsTrue(b.sensitive) || IsTrue(a.sensitive)) {
      Line(depth, '~', prefix + kSensitive, path);
      return true;
    }
    if (b.value.is_object() && a.value.is_object()) {
      Line(depth, '~', prefix + "{", path);
      Body(b, a, depth + 1, path);
      out += Indent(depth) + "  }\n";
      return true;
    }
    if (b.value.is_array() && a.value.is_array() &&
        b.value.size() == a.value.size()) {
      Line(depth, '~', prefix + "[", path);
      for (size_t i = 0; i < a.value.size(); ++i) {
        Side be{Child(b.value, i), Child(b.sensitive, i), kNull};
        Side ae{Child(a.value, i), Child(a.sensitive, i), Child(a.unknown, i)};
        std::string item_path = path + "[" + std::to_string(i) + "]";
        if (!Change("", be, ae, depth + 1, item_path)) {
          Line(depth + 1, ' ', Scalar(ae) + ",", item_path);
        }
      }
      out += Indent(depth) + "  ]\n";
      return true;
    }
    if (b.value.is_structured() || a.value.is_structured()) {
      Whole('-', label, b, depth, path);
      Whole('+', label, a, depth, path);
      return true;
    }
    Line(depth, '~', prefix + Scalar(b) + " -> " + Scalar(a), path);
    return true;
  }

  // A value that exists on one side only, all of it marked `marker`.
  void Whole(char marker, const std::string& label, const Side& s, int depth,
             const std::string& path) {
    std::string prefix = label.empty() ? "" : label + " = ";
    std::string tail = label.empty() ? "," : "";
    if (IsTrue(s.unknown) || IsTrue(s.sensitive) || !s.value.is_structured()) {
      Heredoc(depth, marker, prefix, s, tail, path);
      return;
    }
    bool object = s.value.is_object();
    Line(depth, marker, prefix + (object ? "{" : "["), path);
    if (object) {
      // Unknown values are left out of the value: take keys from both.
      std::set<std::string> keys;
      for (auto& [k, v] : s.value.items()) keys.insert(k);
      if (s.unknown.is_object()) {
        for (auto& [k, v] : s.unknown.items()) keys.insert(k);
      }
      size_t width = 0;
      for (const std::string& k : keys) width = std::max(width, Key(k).size());
      for (const std::string& k : keys) {
        Side child{Child(s.value, k), Child(s.sensitive, k), Child(s.unknown, k)};
        Whole(marker, Key(k) + std::string(width - Key(k).size(), ' '), child,
              depth + 1, path + "." + k);
      }
    } else {
      for (size_t i = 0; i < s.value.size(); ++i) {
        Side child{s.value[i], Child(s.sensitive, i), Child(s.unknown, i)};
        Whole(marker, "", child, depth + 1, path + "[" + std::to_string(i) + "]");
      }
    }
    out += Indent(depth) + "  " + (object ? "}" : "]") + tail + "\n";
  }

  // A scalar line, or a heredoc for text of several lines.
  void Heredoc(int depth, char marker, const std::string& prefix,
               const Side& s, const std::string& tail, const std::string& path) {
    bool multiline = s.value.is_string() && !IsTrue(s.sensitive) &&
                     !IsTrue(s.unknown) &&
                     s.value.get<std::string>().find('\n') != std::string::npos;
    if (!multiline) {
      Line(depth, marker, prefix + Scalar(s) + tail, path);
      return;
    }
    Line(depth, marker, prefix + "<<-EOT", path);
    std::string text = s.value.get<std::string>();
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += Indent(depth + 1) + "  " + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    out += Indent(depth) + "  EOT" + tail + "\n";
  }

  void Line(int depth, char marker, const std::string& text,
            const std::string& path) {
    out += Indent(depth) + marker + " " + text;
    if (forces_.count(path)) out += " # forces replacement";
    out += "\n";
  }

  static bool HasTrue(const json& j) {
    if (IsTrue(j)) return true;
    if (j.is_structured()) {
      for (const json& v : j) {
        if (HasTrue(v)) return true;
      }
    }
    return false;
  }

  static std::string Scalar(const Side& s) {
    if (IsTrue(s.unknown)) return kUnknown;
    if (IsTrue(s.sensitive)) return kSensitive;
    return FormatScalar(s.value);
  }

  const std::set<std::string>& forces_;
};

}  // namespace

std::string FormatScalar(const json& value) {
  if (value.is_structured()) return value.dump();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string RenderAttributeDiff(const DiffInput& input, int depth) {
  DiffWriter writer(input.forces_replacement);
  Side before{input.before, input.before_sensitive, kNull};
  Side after{input.after, input.after_sensitive, input.after_unknown};
  writer.Body(before, after, depth, "");
  return writer.out;
}

}  // namespace occam
