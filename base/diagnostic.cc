#include "base/diagnostic.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "base/utf8.h"

namespace occam {

const std::string& SourceMark::file_name() const {
  static const std::string kNone;
  return file ? *file : kNone;
}

std::string SourceMark::ToString() const {
  std::string out = file_name();
  if (line > 0) {
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  return out;
}

std::string Diagnostic::ToString() const {
  std::string where = mark.ToString();
  // Messages quote what the input holds: an escape sequence in a key must
  // not reach the terminal.
  return Printable((where.empty() ? "" : where + ": ") + (warning ? "warning: " : "error: ") +
                   message);
}

void Diagnostics::Error(const SourceMark& mark, std::string message) {
  list_.push_back({mark, std::move(message)});
}

void Diagnostics::Warning(const SourceMark& mark, std::string message) {
  warnings_.push_back({mark, std::move(message), true});
}

void Diagnostics::Append(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
  warnings_.insert(warnings_.end(), other.warnings_.begin(),
                   other.warnings_.end());
}

namespace {

void SortList(std::vector<Diagnostic>* list) {
  std::map<std::string, size_t> file_order;
  for (const Diagnostic& d : *list) {
    file_order.emplace(d.mark.file_name(), file_order.size());
  }
  std::stable_sort(list->begin(), list->end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     return std::tuple(file_order[a.mark.file_name()],
                                       a.mark.line, a.mark.column) <
                            std::tuple(file_order[b.mark.file_name()],
                                       b.mark.line, b.mark.column);
                   });
}

}  // namespace

void Diagnostics::SortByPosition() {
  SortList(&list_);
  SortList(&warnings_);
}

std::string Diagnostics::WarningsToString() const {
  std::string out;
  for (const Diagnostic& d : warnings_) out += d.ToString() + "\n";
  return out;
}

void Diagnostics::WarningsAreErrors() {
  for (Diagnostic& d : warnings_) {
    d.warning = false;
    list_.push_back(std::move(d));
  }
  warnings_.clear();
  SortList(&list_);
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const Diagnostic& d : list_) out += d.ToString() + "\n";
  return out;
}

}  // namespace occam
