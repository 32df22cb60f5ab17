#include "state/stored_json.h"

#include "base/json_fields.h"

namespace occam {

StoredJson StoredJson::FromText(std::string text) {
  StoredJson out;
  out.value_.reset();
  out.text_ = std::move(text);
  return out;
}

const nlohmann::json& StoredJson::value() const {
  if (!value_) {
    // Deeper than occam writes: a damaged or hand-made file, whose parse
    // could take gigabytes (a value per open bracket).
    value_ = JsonNestsDeeperThan(*text_, 256)
                 ? nlohmann::json()
                 : nlohmann::json::parse(*text_, nullptr,
                                         /*allow_exceptions=*/false);
    if (value_->is_discarded()) value_ = nullptr;
  }
  return *value_;
}

nlohmann::json& StoredJson::mutable_value() {
  value();
  text_.reset();
  return *value_;
}

const std::string& StoredJson::text() const {
  // A value that is not UTF-8 (a provider's output, say) is stored with
  // U+FFFD in its place rather than aborting a commit.
  if (!text_) {
    text_ = value_->dump(-1, ' ', false,
                         nlohmann::json::error_handler_t::replace);
  }
  return *text_;
}

bool StoredJson::operator==(const StoredJson& other) const {
  if (text_ && other.text_ && *text_ == *other.text_) return true;
  return value() == other.value();
}

}  // namespace occam
