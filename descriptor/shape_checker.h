// ShapeChecker checks the shape of descriptor values (kinds, keys, numbers)
// and reports what is wrong as diagnostics at the offending position. Each
// check returns whether it passed, so callers can stop descending into a
// value that is already wrong.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/value.h"
#include "providers/resource_schema.h"

namespace occam {

class ShapeChecker {
 public:
  explicit ShapeChecker(Diagnostics* diags) : diags_(diags) {}

  // `what` names the value in messages: "node 'app'", "the scaling of …".
  bool Mapping(const Value& v, const std::string& what);
  bool List(const Value& v, const std::string& what);
  bool Scalar(const Value& v, const std::string& what);
  // A mapping or null (an empty `variables:`).
  bool OptionalMapping(const Value& v, const std::string& what);

  // Reports keys not in `allowed` (with "did you mean" when one is close)
  // and `required` keys that are missing.
  bool Keys(const Value& map, const std::vector<std::string>& allowed,
            const std::vector<std::string>& required, const std::string& what);

  std::optional<bool> Bool(const Value& v, const std::string& what);
  std::optional<long long> Int(const Value& v, const std::string& what);
  bool Kind(const Value& v, AttributeKind kind, const std::string& what);

  void Error(const SourceMark& mark, std::string message) {
    diags_->Error(mark, std::move(message));
  }
  void Warning(const SourceMark& mark, std::string message) {
    diags_->Warning(mark, std::move(message));
  }

 private:
  bool Fail(const Value& v, const std::string& what, const std::string& want);

  Diagnostics* diags_;
};

// Occopus's rule for node and infrastructure names: 1-63 characters from
// [a-z0-9-], letters of either case. Names are kept as written; a provider
// that needs a stricter form (a Docker name, a DNS label) derives it.
bool IsOccopusName(const std::string& name);

// True when a plain (unquoted) scalar is not a string to PyYAML: a number,
// a boolean or null. Occopus refuses such a value where it wants a name.
bool IsTypedScalar(const Value& v);

}  // namespace occam
