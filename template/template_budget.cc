#include "template/template_budget.h"

namespace occam {
namespace {

std::string Size(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string TooLarge(size_t max_value_bytes) {
  return "the template builds a value of more than " + Size(max_value_bytes) +
         " (occam's limit for one value); build less";
}

bool TemplateBudget::Build(size_t bytes, std::string* error) {
  if (bytes > max_value_bytes_) {
    *error = TooLarge(max_value_bytes_);
    return false;
  }
  return Work(bytes, error);
}

bool TemplateBudget::Work(size_t bytes, std::string* error) {
  if (bytes > work_left()) {
    work_ = max_work_bytes_;
    *error = "the template builds, copies and compares more than " +
             Size(max_work_bytes_) +
             " in all to render (occam's limit of work for one string); "
             "loop over less data or copy less";
    return false;
  }
  work_ += bytes;
  return true;
}

size_t ValueBytes(const TemplateValue& v, size_t cap) {
  using Kind = TemplateValue::Kind;
  switch (v.kind()) {
    case Kind::kString:
    case Kind::kUndefined:
      return v.text().size();
    case Kind::kList:
    case Kind::kMap: {
      size_t total = 0;
      if (v.kind() == Kind::kList) {
        TemplateValue::List items = *v.Iterate();
        for (const TemplateValue& item : items) {
          total += kItemBytes + ValueBytes(item, cap);
          if (total > cap) return total;
        }
      } else {
        TemplateValue::Map entries = *v.Entries();
        for (const auto& [key, value] : entries) {
          total += kItemBytes + key.size() + ValueBytes(value, cap);
          if (total > cap) return total;
        }
      }
      return total;
    }
    default:
      return 0;
  }
}

}  // namespace occam
