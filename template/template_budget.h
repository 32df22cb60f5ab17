// What one rendering may spend, so that a descriptor cannot make occam run
// out of memory or time: no value it builds may be larger than
// `max_value_bytes`, and all the bytes it builds, copies and compares
// together may not pass `max_work_bytes` (the work that stands for CPU
// time). Both are TemplateLimits (docs/templates.md gives the numbers).
#pragma once

#include <cstddef>
#include <string>

#include "template/template_value.h"

namespace occam {

class TemplateBudget {
 public:
  TemplateBudget(size_t max_value_bytes, size_t max_work_bytes)
      : max_value_bytes_(max_value_bytes), max_work_bytes_(max_work_bytes) {}

  // Checks, before it is built, that a value of `bytes` may be, and counts
  // it as work. False with `*error` when it may not.
  bool Build(size_t bytes, std::string* error);
  // Counts `bytes` copied or compared. False with `*error` past the limit.
  bool Work(size_t bytes, std::string* error);

  size_t max_value_bytes() const { return max_value_bytes_; }
  size_t work_left() const { return max_work_bytes_ - work_; }
  size_t work() const { return work_; }

 private:
  size_t max_value_bytes_;
  size_t max_work_bytes_;
  size_t work_ = 0;
};

// Bytes `v` takes as occam holds it: its text, and for a list or mapping
// each item's share plus the items' own bytes. Stops counting once past
// `cap` (so that it costs at most about `cap` bytes of reading).
size_t ValueBytes(const TemplateValue& v, size_t cap);

// The error for a value that would be larger than `max_value_bytes`.
std::string TooLarge(size_t max_value_bytes);

// Bytes one item of a list takes besides its text.
constexpr size_t kItemBytes = sizeof(TemplateValue);

}  // namespace occam
