#include "descriptor/yaml_reader.h"


#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

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
class ValueBuilder : public YAML::EventHandler {
 public:
  ValueBuilder(std::shared_ptr<const std::string> file, YamlLimits limits)
      : file_(std::move(file)), limits_(limits) {}

  Value TakeRoot() { return std::move(root_); }
  bool has_root() const { return has_root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Finish(Value::Null(Mark(mark)), anchor, 1);
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
    Count(v.mark(), 1);
    Finish(std::move(v), anchor, 1);
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
    size_t nodes = 1;  // in this subtree so far
    bool have_key = false;
    std::string key;
    SourceMark key_mark;
    bool key_is_merge = false;
    std::vector<Value> merges;  // values of `<<` keys, applied at the end
    std::unordered_set<std::string> keys;
  };

  SourceMark Mark(const YAML::Mark& m) const {
    return SourceMark{file_, m.line + 1, m.column + 1};
  }

  // Tags we act on are local ("!yaml_import"); yaml-cpp reports "?" and "!"
  // for untagged nodes and expands "!!x" to "tag:yaml.org,2002:x".
  static std::string LocalTag(const std::string& tag) {
    if (tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0) {
      return "";
    }
    return tag;
  }

  void Count(const SourceMark& mark, size_t n) {
    total_nodes_ += n;
    if (total_nodes_ > limits_.max_nodes) {
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
    Count(v.mark(), 1);
    v.set_tag(LocalTag(tag));
    Frame frame;
    frame.value = std::move(v);
    frame.anchor = anchor;
    stack_.push_back(std::move(frame));
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Finish(std::move(frame.value), frame.anchor, frame.nodes);
  }

  // A value is complete: remember its anchor and hand it to its parent.
  void Finish(Value v, YAML::anchor_t anchor, size_t nodes) {
    if (anchor != 0) anchors_[anchor] = {v, nodes};
    if (stack_.empty()) {
      if (has_root_) throw ReadError{v.mark(), "expected a single document"};
      root_ = std::move(v);
      has_root_ = true;
      return;
    }
    Frame& parent = stack_.back();
    parent.nodes += nodes;
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
        {std::move(frame->key), frame->key_mark, std::move(v)});
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
  std::map<YAML::anchor_t, std::pair<Value, size_t>> anchors_;
  size_t total_nodes_ = 0;
  Value root_;
  bool has_root_ = false;
};

}  // namespace

bool ReadYaml(const std::string& text,
              const std::shared_ptr<const std::string>& file,
              const YamlLimits& limits, Value* out, Diagnostics* diags) {
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
    SourceMark mark{file, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) mark = SourceMark{file, 0, 0};
    diags->Error(mark, "invalid YAML: " + e.msg);
    return false;
  }
  *out = builder.has_root() ? builder.TakeRoot()
                            : Value::Null(SourceMark{file, 1, 1});
  return true;
}

}  // namespace occam
