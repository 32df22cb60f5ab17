#include "descriptor/source_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/utf8.h"

namespace occam {
namespace fs = std::filesystem;
namespace {

const char kYamlImport[] = "!yaml_import";
const char kTextImport[] = "!text_import";

std::string MiB(uintmax_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// The offset of the first character YAML does not allow in a document, as
// PyYAML (Occopus) refuses it too: C0 controls but tab, LF and CR; DEL; C1
// controls but NEL; U+FFFE and U+FFFF. `text` is valid UTF-8.
size_t FirstCharYamlRefuses(std::string_view text) {
  auto at = [&](size_t i) -> unsigned {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned b = at(i);
    bool c0 = b < 0x20 && b != '\t' && b != '\n' && b != '\r';
    bool c1 = b == 0xC2 && at(i + 1) >= 0x80 && at(i + 1) <= 0x9F &&
              at(i + 1) != 0x85;
    bool nonchar = b == 0xEF && at(i + 1) == 0xBF && at(i + 2) >= 0xBE;
    if (c0 || b == 0x7F || c1 || nonchar) return i;
  }
  return std::string_view::npos;
}

// Where byte `offset` of `text` is, as an editor counts.
SourceMark MarkAt(const std::string& file, std::string_view text,
                  size_t offset) {
  std::string_view before = text.substr(0, offset);
  size_t line_start = before.rfind('\n');
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  return SourceMark{std::make_shared<const std::string>(file), line,
                    static_cast<int>(offset - line_start) + 1};
}

std::string Hex(unsigned value, int digits) {
  char out[16];
  std::snprintf(out, sizeof out, "%0*X", digits, value);
  return out;
}

// YAML is read as UTF-8 (yaml-cpp converts UTF-16 with a byte order mark).
bool CheckText(const std::string& name, const std::string& text, bool yaml,
               Diagnostics* diags) {
  if (text.rfind("\xFF\xFE", 0) == 0 || text.rfind("\xFE\xFF", 0) == 0) {
    return true;
  }
  size_t bad = InvalidUtf8Offset(text);
  if (bad != std::string_view::npos) {
    diags->Error(MarkAt(name, text, bad),
                 "'" + name + "' is not UTF-8 text (byte 0x" +
                     Hex(static_cast<unsigned char>(text[bad]), 2) +
                     "); save it as UTF-8");
    return false;
  }
  bad = yaml ? FirstCharYamlRefuses(text) : std::string_view::npos;
  if (bad != std::string_view::npos) {
    unsigned b = static_cast<unsigned char>(text[bad]);
    unsigned code = b < 0x80    ? b
                    : b == 0xC2 ? static_cast<unsigned char>(text[bad + 1])
                                : 0xFFF0 + (static_cast<unsigned char>(text[bad + 2]) & 0x0F);
    diags->Error(MarkAt(name, text, bad),
                 "'" + name + "' holds the control character U+" +
                     Hex(code, 4) +
                     ", which YAML does not allow; remove it (write it as "
                     "an escape in a double-quoted string)");
    return false;
  }
  return true;
}

}  // namespace

SourceLoader::SourceLoader(std::vector<fs::path> allowed_roots,
                           bool allow_outside, SourceLimits limits,
                           std::string outside)
    : allow_outside_(allow_outside), limits_(limits), outside_(std::move(outside)) {
  if (outside_.empty()) {
    outside_ = "the descriptor's folder; move it inside, or pass --allow-outside-imports";
  }
  for (const fs::path& root : allowed_roots) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(root, ec);
    roots_.push_back(ec ? root.lexically_normal() : canonical);
  }
}

bool SourceLoader::Load(const fs::path& path, Value* out, Diagnostics* diags,
                        const std::string& display_name) {
  size_t errors_before = diags->size();
  auto name = std::make_shared<const std::string>(
      display_name.empty() ? path.lexically_normal().string() : display_name);
  std::string text;
  if (!ReadFile(path, SourceMark{name, 0, 0}, /*yaml=*/true, &text, diags, *name)) {
    return false;
  }
  if (!ReadYaml(text, name, yaml_limits(), out, diags)) {
    return false;
  }
  std::error_code ec;
  nodes_ = out->NodeCount();
  bytes_ = out->TextBytes();
  over_limit_ = false;
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
  // Past a limit, one error says so; reading the rest would only repeat it.
  if (over_limit_) return;
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
    if (ReadFile(path, url->mark(), /*yaml=*/false, &text, diags) &&
        CountImport(url->mark(), 1, text.size(), diags)) {
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
    if (!ReadFile(path, url->mark(), /*yaml=*/true, &text, diags) ||
        !ReadYaml(text, name, yaml_limits(), &inner, diags)) {
      return;
    }
    loading_.push_back({canonical, *name});
    ResolveImports(&inner, path.parent_path(), diags);
    loading_.pop_back();
    cached = cache_.emplace(canonical, std::move(inner)).first;
  }
  if (!CountImport(url->mark(), cached->second.NodeCount(),
                   cached->second.TextBytes(), diags)) {
    return;
  }
  *v = cached->second;
}

bool SourceLoader::CountImport(const SourceMark& mark, size_t nodes,
                               size_t bytes, Diagnostics* diags) {
  nodes_ += nodes;
  bytes_ += bytes;
  over_limit_ = nodes_ > limits_.max_nodes || bytes_ > limits_.max_bytes;
  if (nodes_ > limits_.max_nodes) {
    diags->Error(mark, "imports expand the document to more than " +
                           std::to_string(limits_.max_nodes) +
                           " nodes; occam refuses it");
    return false;
  }
  if (bytes_ > limits_.max_bytes) {
    diags->Error(mark, "imports expand the document to more than " +
                           MiB(limits_.max_bytes) +
                           " of text; import each file once, or split the "
                           "descriptor");
    return false;
  }
  return true;
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
  if (ec.value() == ELOOP) {
    diags->Error(url.mark(), "import '" + path.string() +
                                 "' is a loop of symbolic links; point it at "
                                 "a file");
    return {};
  }
  if (ec) canonical = path;
  if (!allow_outside_ && !Inside(canonical)) {
    diags->Error(url.mark(), "import '" + Excerpt(path.string(), 256) + "' is outside " +
                                 outside_);
    return {};
  }
  return path;
}

bool SourceLoader::ReadFile(const fs::path& path, const SourceMark& from,
                            bool yaml, std::string* text, Diagnostics* diags,
                            const std::string& shown) {
  std::string name = shown.empty() ? path.lexically_normal().string() : shown;
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
  return CheckText(name, *text, yaml, diags);
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
