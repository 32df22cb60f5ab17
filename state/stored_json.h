// StoredJson is a JSON value that stays the text it was stored as until
// someone reads it: loading a state of 100,000 instances parses none of
// their attributes when a plan finds them unchanged (the planner compares
// texts first). Either form is produced from the other on first use.
//
// Not thread-safe: reading may fill the other form.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace occam {

class StoredJson {
 public:
  StoredJson() : value_(nlohmann::json::object()) {}
  explicit StoredJson(nlohmann::json value) : value_(std::move(value)) {}
  static StoredJson FromText(std::string text);

  // Parsed on first use. Text that is not JSON, or JSON nested deeper than
  // 256 levels (a state file edited by hand) reads as null.
  const nlohmann::json& value() const;
  // For changing the value in place; the text is recomputed when needed.
  nlohmann::json& mutable_value();
  // Compact JSON, keys in sorted order: equal values have equal texts.
  const std::string& text() const;

  bool operator==(const StoredJson& other) const;

 private:
  mutable std::optional<nlohmann::json> value_;
  mutable std::optional<std::string> text_;
};

}  // namespace occam
