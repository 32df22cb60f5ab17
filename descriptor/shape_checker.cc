#include "descriptor/shape_checker.h"

#include <algorithm>

#include "base/spelling.h"

namespace occam {
namespace {

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

bool ShapeChecker::Fail(const Value& v, const std::string& what,
                        const std::string& want) {
  Error(v.mark(), what + " must be " + want + ", not " + v.KindName());
  return false;
}

bool ShapeChecker::Mapping(const Value& v, const std::string& what) {
  return v.is_mapping() || Fail(v, what, "a mapping");
}

bool ShapeChecker::List(const Value& v, const std::string& what) {
  return v.is_sequence() || Fail(v, what, "a list");
}

bool ShapeChecker::Scalar(const Value& v, const std::string& what) {
  return v.is_scalar() || Fail(v, what, "a string");
}

bool ShapeChecker::OptionalMapping(const Value& v, const std::string& what) {
  return v.is_null() || Mapping(v, what);
}

bool ShapeChecker::Keys(const Value& map,
                        const std::vector<std::string>& allowed,
                        const std::vector<std::string>& required,
                        const std::string& what) {
  bool ok = true;
  for (const Value::Entry& e : map.entries()) {
    if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) {
      continue;
    }
    std::string hint = DidYouMean(e.key, allowed);
    if (hint.empty()) hint = "; allowed keys are: " + Join(allowed);
    Error(e.key_mark, "unknown key '" + e.key + "' in " + what + hint);
    ok = false;
  }
  for (const std::string& key : required) {
    if (map.FindEntry(key)) continue;
    Error(map.mark(), "missing key '" + key + "' in " + what + "; add it");
    ok = false;
  }
  return ok;
}

std::optional<bool> ShapeChecker::Bool(const Value& v,
                                       const std::string& what) {
  std::optional<bool> b = v.AsBool();
  if (!b) Fail(v, what, "true or false");
  return b;
}

std::optional<long long> ShapeChecker::Int(const Value& v,
                                           const std::string& what) {
  std::optional<long long> i = v.AsInt();
  if (!i) Fail(v, what, "a whole number");
  return i;
}

bool ShapeChecker::Kind(const Value& v, AttributeKind kind,
                        const std::string& what) {
  switch (kind) {
    case AttributeKind::kAny:
      return true;
    case AttributeKind::kScalar:
      return Scalar(v, what);
    case AttributeKind::kBool:
      return Bool(v, what).has_value();
    case AttributeKind::kNonNegativeInt: {
      std::optional<long long> i = v.AsInt();
      return (i && *i >= 0) || Fail(v, what, "a whole number, 0 or more");
    }
    case AttributeKind::kNumber:
      return v.AsNumber().has_value() || Fail(v, what, "a number");
    case AttributeKind::kList:
      return List(v, what);
    case AttributeKind::kMapping:
      return Mapping(v, what);
    case AttributeKind::kScalarOrList:
      return v.is_scalar() || v.is_sequence() ||
             Fail(v, what, "a string or a list");
  }
  return true;
}

bool IsOccopusName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsTypedScalar(const Value& v) {
  if (v.is_null()) return true;
  if (!v.is_scalar() || v.quoted()) return false;
  return v.AsBool() || v.AsNumber();
}

}  // namespace occam
