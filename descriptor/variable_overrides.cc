#include "descriptor/variable_overrides.h"

#include <memory>

#include "base/utf8.h"

namespace occam {
namespace {

SourceMark OptionMark(const std::string& what) {
  SourceMark mark;
  mark.file = std::make_shared<const std::string>(what);
  return mark;
}

// Sets `path` (dotted) in the mapping `*root` to `value`.
bool SetPath(Value* root, const std::string& path, Value value,
             const SourceMark& mark, Diagnostics* diags) {
  Value* at = root;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot - start);
    if (key.empty()) {
      diags->Error(mark, "'" + Printable(path, 64) +
                             "' is not a variable name; write NAME=VALUE or "
                             "a.b=VALUE");
      return false;
    }
    if (!at->is_mapping()) *at = Value::Mapping(mark);
    if (dot == std::string::npos) {
      at->Set(key, mark, std::move(value));
      return true;
    }
    if (!at->Find(key)) at->Set(key, mark, Value::Mapping(mark));
    at = const_cast<Value*>(at->Find(key));
    start = dot + 1;
  }
}

}  // namespace

bool ApplyVariableOverrides(const VariableOverrides& overrides,
                            SourceLoader* loader, Value* variables,
                            Diagnostics* diags) {
  size_t before = diags->size();
  if (!variables->is_mapping()) *variables = Value::Mapping(variables->mark());
  for (const std::string& file : overrides.files) {
    Value root;
    if (!loader->Load(file, &root, diags)) continue;
    if (!root.is_mapping()) {
      diags->Error(root.mark(), "-var-file " + file +
                                    " must hold a mapping of variables, not " +
                                    root.KindName());
      continue;
    }
    for (const Value::Entry& e : root.entries()) {
      SetPath(variables, e.key, e.value, e.key_mark, diags);
    }
  }
  for (const std::string& a : overrides.assignments) {
    SourceMark mark = OptionMark("-var '" + Printable(a, 64) + "'");
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      diags->Error(mark, "write -var NAME=VALUE");
      continue;
    }
    SetPath(variables, a.substr(0, eq),
            Value::Scalar(a.substr(eq + 1), /*quoted=*/false, mark), mark, diags);
  }
  return diags->size() == before;
}

}  // namespace occam
