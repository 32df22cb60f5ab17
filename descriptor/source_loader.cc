#include "descriptor/source_loader.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace occam {
namespace fs = std::filesystem;
namespace {

const char kYamlImport[] = "!yaml_import";
const char kTextImport[] = "!text_import";

std::string MiB(uintmax_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

SourceLoader::SourceLoader(std::vector<fs::path> allowed_roots,
                           bool allow_outside, SourceLimits limits)
    : allow_outside_(allow_outside), limits_(limits) {
  for (const fs::path& root : allowed_roots) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(root, ec);
    roots_.push_back(ec ? root.lexically_normal() : canonical);
  }
}

bool SourceLoader::Load(const fs::path& path, Value* out, Diagnostics* diags) {
  size_t errors_before = diags->size();
  auto name = std::make_shared<const std::string>(
      path.lexically_normal().string());
  std::string text;
  if (!ReadFile(path, SourceMark{name, 0, 0}, &text, diags)) return false;
  if (!ReadYaml(text, name, YamlLimits{limits_.max_nodes}, out, diags)) {
    return false;
  }
  std::error_code ec;
  nodes_ = out->NodeCount();
  loading_.assign(1, {fs::weakly_canonical(path, ec), *name});
  ResolveImports(out, path.parent_path(), diags);
  loading_.clear();
  return diags->size() == errors_before;
}

void SourceLoader::ResolveImports(Value* v, const fs::path& dir,
                                  Diagnostics* diags) {
  if (!v->tag().empty()) {
    ResolveOne(v, dir, diags);
    return;
  }
  for (Value& item : v->mutable_items()) ResolveImports(&item, dir, diags);
  for (Value::Entry& e : v->mutable_entries()) {
    ResolveImports(&e.value, dir, diags);
  }
}

void SourceLoader::ResolveOne(Value* v, const fs::path& dir,
                              Diagnostics* diags) {
  std::string tag = v->tag();
  if (tag != kYamlImport && tag != kTextImport) {
    diags->Error(v->mark(), "unknown tag '" + tag +
                                "'; occam understands !yaml_import and "
                                "!text_import");
    return;
  }
  const Value* url = v->is_mapping() ? v->Find("url") : nullptr;
  if (!url || v->entries().size() != 1) {
    diags->Error(v->mark(), tag + " needs a mapping with one key, "
                                  "url: file://PATH");
    return;
  }
  fs::path path = ImportPath(*url, dir, diags);
  if (path.empty()) return;
  auto name = std::make_shared<const std::string>(path.string());
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);

  if (tag == kTextImport) {
    std::string text;
    if (ReadFile(path, url->mark(), &text, diags)) {
      *v = Value::Scalar(std::move(text), true, url->mark());
    }
    return;
  }
  for (size_t i = 0; i < loading_.size(); ++i) {
    if (loading_[i].first != canonical) continue;
    std::string cycle;
    for (size_t j = i; j < loading_.size(); ++j) {
      cycle += loading_[j].second + " -> ";
    }
    diags->Error(url->mark(), "import cycle: " + cycle + *name +
                                  "; remove one of these imports");
    return;
  }
  auto cached = cache_.find(canonical);
  if (cached == cache_.end()) {
    std::string text;
    Value inner;
    if (!ReadFile(path, url->mark(), &text, diags) ||
        !ReadYaml(text, name, YamlLimits{limits_.max_nodes}, &inner, diags)) {
      return;
    }
    loading_.push_back({canonical, *name});
    ResolveImports(&inner, path.parent_path(), diags);
    loading_.pop_back();
    cached = cache_.emplace(canonical, std::move(inner)).first;
  }
  nodes_ += cached->second.NodeCount();
  if (nodes_ > limits_.max_nodes) {
    diags->Error(url->mark(), "imports expand the document to more than " +
                                  std::to_string(limits_.max_nodes) +
                                  " nodes; occam refuses it");
    return;
  }
  *v = cached->second;
}

fs::path SourceLoader::ImportPath(const Value& url, const fs::path& dir,
                                  Diagnostics* diags) {
  const std::string kScheme = "file://";
  if (!url.is_scalar() || url.text().rfind(kScheme, 0) != 0) {
    diags->Error(url.mark(),
                 "only file:// URLs can be imported; save the file beside "
                 "the descriptor and write url: file://NAME");
    return {};
  }
  fs::path target = url.text().substr(kScheme.size());
  fs::path path = (target.is_absolute() ? target : dir / target)
                      .lexically_normal();
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) canonical = path;
  if (!allow_outside_ && !Inside(canonical)) {
    diags->Error(url.mark(), "import '" + path.string() +
                                 "' is outside the descriptor's folder; move "
                                 "it inside, or pass --allow-outside-imports");
    return {};
  }
  return path;
}

bool SourceLoader::ReadFile(const fs::path& path, const SourceMark& from,
                            std::string* text, Diagnostics* diags) {
  std::string name = path.lexically_normal().string();
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    diags->Error(from, "cannot read '" + name + "': " +
                           (ec ? ec.message() : "no such file"));
    return false;
  }
  if (fs::is_directory(st)) {
    diags->Error(from, "'" + name + "' is a directory; name a file");
    return false;
  }
  if (!fs::is_regular_file(st)) {
    diags->Error(from, "'" + name + "' is not a regular file; name a file");
    return false;
  }
  uintmax_t size = fs::file_size(path, ec);
  if (ec || size > limits_.max_file_bytes) {
    diags->Error(from, "'" + name + "' is larger than " +
                           MiB(limits_.max_file_bytes) +
                           ", the most occam reads");
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  if (in.is_open()) buffer << in.rdbuf();
  if (!in.is_open() || in.bad()) {
    diags->Error(from, "cannot read '" + name + "'");
    return false;
  }
  *text = buffer.str();
  return true;
}

bool SourceLoader::Inside(const fs::path& canonical) const {
  for (const fs::path& root : roots_) {
    auto [r, c] = std::mismatch(root.begin(), root.end(), canonical.begin(),
                                canonical.end());
    if (r == root.end()) return true;
  }
  return false;
}

}  // namespace occam
