// SourceLoader reads descriptor files and resolves Occopus's import tags:
// `!yaml_import {url: file://x.yaml}` becomes the YAML document in x.yaml,
// `!text_import {url: file://x.sh}` the text of x.sh. Relative URLs are
// relative to the importing file. Imports must stay inside the allowed
// folders unless the user allows otherwise; cycles, directories, devices
// and oversized files are errors.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/value.h"
#include "descriptor/yaml_reader.h"

namespace occam {

struct SourceLimits {
  // Largest file read, descriptor or import.
  uintmax_t max_file_bytes = 64ull << 20;
  // Nodes of one top-level file with all its imports expanded.
  size_t max_nodes = YamlLimits().max_nodes;
  // Bytes of text of one top-level file with its imports expanded (a 10 MB
  // text imported 1,000 times is 10 GB).
  size_t max_bytes = YamlLimits().max_bytes;
};

class SourceLoader {
 public:
  // Imports may only name files under one of `allowed_roots` unless
  // `allow_outside` is set. `outside` ends the error for an import outside
  // them ("" : the descriptor's folder, and --allow-outside-imports).
  SourceLoader(std::vector<std::filesystem::path> allowed_roots,
               bool allow_outside, SourceLimits limits = {},
               std::string outside = "");

  // Reads the YAML file at `path` (as the user wrote it) with its imports
  // resolved. Returns false and adds diagnostics on any error; every import
  // error in the file is reported. Diagnostics name the file `display_name`
  // when it is not empty (a descriptor posted to occam serve: "request").
  bool Load(const std::filesystem::path& path, Value* out,
            Diagnostics* diags, const std::string& display_name = "");

 private:
  // Replaces every import-tagged node under `v` by what it imports.
  void ResolveImports(Value* v, const std::filesystem::path& dir,
                      Diagnostics* diags);
  void ResolveOne(Value* v, const std::filesystem::path& dir,
                  Diagnostics* diags);
  // The checked, canonical path an import names; empty on error.
  std::filesystem::path ImportPath(const Value& url,
                                   const std::filesystem::path& dir,
                                   Diagnostics* diags);
  // Reads a file that must be UTF-8 text (`yaml`: with only the
  // characters YAML allows); errors at the offending character.
  // `shown` names the file in messages ("": its path).
  bool ReadFile(const std::filesystem::path& path, const SourceMark& from,
                bool yaml, std::string* text, Diagnostics* diags,
                const std::string& shown = "");
  bool Inside(const std::filesystem::path& canonical) const;

  std::vector<std::filesystem::path> roots_;  // canonical
  bool allow_outside_;
  SourceLimits limits_;
  std::string outside_;
  size_t nodes_ = 0;  // nodes loaded for the current top-level file
  size_t bytes_ = 0;  // and their bytes of text
  bool over_limit_ = false;  // nodes_ or bytes_ past its limit
  // Adds an import's size; false (with the error at `mark`) past a limit.
  bool CountImport(const SourceMark& mark, size_t nodes, size_t bytes,
                   Diagnostics* diags);
  YamlLimits yaml_limits() const {
    return YamlLimits{limits_.max_nodes, limits_.max_bytes};
  }
  // Canonical paths of the files being loaded, outermost first (for
  // cycles), with the names the user sees.
  std::vector<std::pair<std::filesystem::path, std::string>> loading_;
  // Parsed imports by canonical path: a file imported many times is read
  // once.
  std::map<std::filesystem::path, Value> cache_;
};

}  // namespace occam
