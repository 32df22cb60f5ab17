#include "base/value_json.h"

namespace occam {

nlohmann::json ScalarToJson(const Value& v) {
  if (v.is_null()) return nullptr;
  if (v.quoted()) return v.text();
  if (v.text() == "~" || v.text() == "null" || v.text() == "Null" ||
      v.text() == "NULL") {
    return nullptr;
  }
  if (auto b = v.AsBool()) return *b;
  if (auto i = v.AsInt()) return *i;
  if (auto d = v.AsNumber()) {
    // "1e3" or "inf"-like words stay text unless they look like numbers.
    if (v.text().find_first_of(".eE") != std::string::npos) return *d;
  }
  return v.text();
}

nlohmann::json ValueToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kScalar:
      return ScalarToJson(v);
    case Value::Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : v.items()) out.push_back(ValueToJson(item));
      return out;
    }
    case Value::Kind::kMapping: {
      nlohmann::json out = nlohmann::json::object();
      for (const Value::Entry& e : v.entries()) out[e.key] = ValueToJson(e.value);
      return out;
    }
  }
  return nullptr;
}

}  // namespace occam
