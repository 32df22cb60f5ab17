// Diagnostics: errors about user input, each at a position in a source file.
// Every error of a run is collected, so the user sees all of them at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace occam {

// A position in a source file. Lines and columns count from 1; 0 means the
// position is not known (the whole file).
struct SourceMark {
  std::shared_ptr<const std::string> file;  // path as the user sees it
  int line = 0;
  int column = 0;
  int64_t byte = -1;  // offset from the file's start, when known

  const std::string& file_name() const;
  // "infra.yaml:3:5", "infra.yaml" when the line is unknown, "" when no file.
  std::string ToString() const;
};

struct Diagnostic {
  SourceMark mark;
  std::string message;  // what is wrong and what to do
  bool warning = false;  // worth knowing, but the input is accepted

  // "infra.yaml:3:5: error: MESSAGE" ("warning: " for a warning)
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Error(const SourceMark& mark, std::string message);
  // Warnings are kept apart: size() and empty() count errors only, so a
  // warning never makes a check fail.
  void Warning(const SourceMark& mark, std::string message);
  void Append(const Diagnostics& other);
  // Orders diagnostics by file (in order of first appearance), line and
  // column, so that messages read top to bottom whatever order the checks
  // ran in.
  void SortByPosition();

  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  // One diagnostic a line, in the order they were found.
  std::string ToString() const;

  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  std::string WarningsToString() const;
  // Turns every warning into an error (validate --strict).
  void WarningsAreErrors();

 private:
  std::vector<Diagnostic> list_;
  std::vector<Diagnostic> warnings_;
};

}  // namespace occam
