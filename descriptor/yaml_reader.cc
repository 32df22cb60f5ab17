#include "descriptor/yaml_reader.h"


#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
#include <unordered_set>

#include "base/utf8.h"

namespace occam {
namespace {

// Raised by the builder to abandon a parse; caught in ReadYaml.
struct ReadError {
  SourceMark mark;
  std::string message;
};

const char kStrTag[] = "tag:yaml.org,2002:str";

// Builds Values from yaml-cpp's parse events. Each open collection is a
// frame; a finished value is added to the frame below it.
// Nodes and bytes of scalar text of a subtree, as its copies cost them.
struct Size {
  size_t nodes = 0;
  size_t bytes = 0;
};

class ValueBuilder : public YAML::EventHandler {
 public:
  ValueBuilder(std::shared_ptr<const std::string> file, YamlLimits limits)
      : file_(std::move(file)), limits_(limits) {}

  Value TakeRoot() { return std::move(root_); }
  bool has_root() const { return has_root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Finish(Value::Null(Mark(mark)), anchor, Size{1, 0});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw ReadError{Mark(mark), "alias refers to an unknown anchor"};
    }
    Count(Mark(mark), it->second.second);
    // The copy points at the alias, where this use of it was written.
    Value copy = it->second.first;
    copy.set_mark(Mark(mark));
    Finish(std::move(copy), 0, it->second.second);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override {
    bool quoted = tag == "!" || tag == kStrTag;
    // The text was checked to be UTF-8, but yaml-cpp writes a "\xFF"
    // escape as the byte 0xFF; YAML (and PyYAML) mean U+00FF.
    Value v = Value::Scalar(InvalidUtf8Offset(value) == std::string::npos
                                ? value
                                : Latin1WhereInvalidUtf8(value),
                            quoted, Mark(mark));
    v.set_tag(LocalTag(tag));
    Size size{1, v.text().size()};
    Count(v.mark(), size);
    Finish(std::move(v), anchor, size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(Value::Sequence(Mark(mark)), tag, anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(Value::Mapping(Mark(mark)), tag, anchor);
  }
  void OnMapEnd() override {
    ApplyMergeKeys(&stack_.back());
    Close();
  }

 private:
  struct Frame {
    Value value;
    YAML::anchor_t anchor = 0;
    Size size{1, 0};  // of this subtree so far
    bool have_key = false;
    std::string key;
    SourceMark key_mark;
    bool key_quoted = false;
    bool key_is_merge = false;
    std::vector<Value> merges;  // values of `<<` keys, applied at the end
    std::unordered_set<std::string> keys;
  };

  SourceMark Mark(const YAML::Mark& m) const {
    return SourceMark{file_, m.line + 1, m.column + 1, m.pos};
  }

  // Tags we act on are local ("!yaml_import"); yaml-cpp reports "?" and "!"
  // for untagged nodes and expands "!!x" to "tag:yaml.org,2002:x".
  static std::string LocalTag(const std::string& tag) {
    if (tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0) {
      return "";
    }
    return tag;
  }

  void Count(const SourceMark& mark, Size n) {
    total_.nodes += n.nodes;
    total_.bytes += n.bytes;
    if (total_.bytes > limits_.max_bytes) {
      throw ReadError{mark, "the document holds more than " +
                                std::to_string(limits_.max_bytes >> 20) +
                                " MiB of text (counting every alias "
                                "expansion), the most occam reads; split "
                                "the file or remove alias chains"};
    }
    if (total_.nodes > limits_.max_nodes) {
      throw ReadError{mark, "the document has more than " +
                                std::to_string(limits_.max_nodes) +
                                " YAML nodes (counting every alias "
                                "expansion), the most occam reads; split "
                                "the file or remove alias chains"};
    }
  }

  void Open(Value v, const std::string& tag, YAML::anchor_t anchor) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      throw ReadError{v.mark(), "nesting is deeper than " +
                                    std::to_string(limits_.max_depth) +
                                    " levels; flatten the document"};
    }
    Count(v.mark(), Size{1, 0});
    v.set_tag(LocalTag(tag));
    Frame frame;
    frame.value = std::move(v);
    frame.anchor = anchor;
    stack_.push_back(std::move(frame));
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Finish(std::move(frame.value), frame.anchor, frame.size);
  }

  // A value is complete: remember its anchor and hand it to its parent.
  void Finish(Value v, YAML::anchor_t anchor, Size size) {
    if (anchor != 0) anchors_[anchor] = {v, size};
    if (stack_.empty()) {
      if (has_root_) throw ReadError{v.mark(), "expected a single document"};
      root_ = std::move(v);
      has_root_ = true;
      return;
    }
    Frame& parent = stack_.back();
    parent.size.nodes += size.nodes;
    parent.size.bytes += size.bytes;
    if (parent.value.is_sequence()) {
      parent.value.Append(std::move(v));
    } else if (!parent.have_key) {
      TakeKey(&parent, std::move(v));
    } else {
      TakeMapValue(&parent, std::move(v));
    }
  }

  void TakeKey(Frame* frame, Value key) {
    if (!key.is_scalar() && !key.is_null()) {
      throw ReadError{key.mark(), "mapping keys must be plain strings"};
    }
    frame->key_is_merge = key.text() == "<<" && !key.quoted();
    frame->key = key.text();
    frame->key_mark = key.mark();
    frame->key_quoted = key.quoted();
    frame->have_key = true;
  }

  void TakeMapValue(Frame* frame, Value v) {
    frame->have_key = false;
    if (frame->key_is_merge) {
      frame->merges.push_back(std::move(v));
      return;
    }
    if (!frame->keys.insert(frame->key).second) {
      const Value::Entry* first = frame->value.FindEntry(frame->key);
      throw ReadError{frame->key_mark, "duplicate key '" + frame->key +
                                           "' (first at " +
                                           first->key_mark.ToString() +
                                           "); remove one of them"};
    }
    frame->value.mutable_entries().push_back(
        {std::move(frame->key), frame->key_mark, std::move(v),
         frame->key_quoted});
  }

  // `<<: *a` or `<<: [*a, *b]` adds the keys of a (then b) that the mapping
  // does not set itself.
  void ApplyMergeKeys(Frame* frame) {
    for (const Value& merge : frame->merges) {
      std::vector<const Value*> sources;
      if (merge.is_sequence()) {
        for (const Value& item : merge.items()) sources.push_back(&item);
      } else {
        sources.push_back(&merge);
      }
      for (const Value* source : sources) MergeOne(frame, *source);
    }
  }

  void MergeOne(Frame* frame, const Value& source) {
    if (!source.is_mapping()) {
      throw ReadError{source.mark(), "a merge key '<<' needs a mapping, not " +
                                         source.KindName()};
    }
    for (const Value::Entry& e : source.entries()) {
      if (frame->keys.insert(e.key).second) {
        frame->value.mutable_entries().push_back(e);
      }
    }
  }

  std::shared_ptr<const std::string> file_;
  YamlLimits limits_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::pair<Value, Size>> anchors_;
  Size total_;
  Value root_;
  bool has_root_ = false;
};

}  // namespace

namespace {

// The offset where flow collections ('[', '{') nest deeper than
// `max_depth`, or npos. yaml-cpp scans a flow collection to its end before
// the parser sees its first event, keeping state for every open bracket:
// 25 MB of '[' took 6 GB before the builder's depth check. Brackets in
// quoted strings and comments do not count; a quote only opens after a
// separator, so an apostrophe inside a word is text.
size_t FlowTooDeep(std::string_view text, int max_depth) {
  int depth = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char before = i == 0 ? '\n' : text[i - 1];
    if (c == '\n') comment = false;
    if (comment) continue;
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    bool after_separator = std::strchr(" \t\n[{,:", before) != nullptr;
    if ((c == '\'' || c == '"') && after_separator) quote = c;
    else if (c == '#' && std::strchr(" \t\n", before)) comment = true;
    else if ((c == '[' || c == '{') && ++depth > max_depth) return i;
    else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return std::string_view::npos;
}

}  // namespace

bool ReadYaml(const std::string& text,
              const std::shared_ptr<const std::string>& file,
              const YamlLimits& limits, Value* out, Diagnostics* diags) {
  if (size_t at = FlowTooDeep(text, limits.max_depth);
      at != std::string_view::npos) {
    std::string_view before = std::string_view(text).substr(0, at);
    size_t line_start = before.rfind('\n');
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    diags->Error(SourceMark{file, line, static_cast<int>(at - line_start) + 1},
                 "nesting is deeper than " + std::to_string(limits.max_depth) +
                     " levels; flatten the document");
    return false;
  }
  std::istringstream in(text);
  ValueBuilder builder(file, limits);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const ReadError& e) {
    diags->Error(e.mark, e.message);
    return false;
  } catch (const YAML::Exception& e) {
    SourceMark mark{file, e.mark.line + 1, e.mark.column + 1, e.mark.pos};
    if (e.mark.is_null()) mark = SourceMark{file, 0, 0};
    diags->Error(mark, "invalid YAML: " + e.msg);
    return false;
  }
  *out = builder.has_root() ? builder.TakeRoot()
                            : Value::Null(SourceMark{file, 1, 1});
  return true;
}

}  // namespace occam
