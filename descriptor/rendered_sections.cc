#include "descriptor/rendered_sections.h"

namespace occam {
namespace {

using nlohmann::json;

const json& Child(const json& mirror, const std::string& key) {
  static const json kFalse = false;
  if (mirror.is_object()) {
    auto it = mirror.find(key);
    if (it != mirror.end()) return *it;
  }
  return mirror.is_boolean() ? mirror : kFalse;
}

const json& Item(const json& mirror, size_t i) {
  static const json kFalse = false;
  if (mirror.is_array() && i < mirror.size()) return mirror[i];
  return mirror.is_boolean() ? mirror : kFalse;
}

}  // namespace

TemplateValue RenderedValue(const json& value, const json& unknown, const json& sensitive) {
  if (unknown == true) return TemplateValue::Unknown();
  bool secret = sensitive == true;
  if (value.is_object() || unknown.is_object()) {
    TemplateValue::Map entries;
    if (value.is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        entries.emplace_back(it.key(), RenderedValue(*it, Child(unknown, it.key()),
                                                     Child(sensitive, it.key())));
      }
    }
    if (unknown.is_object()) {
      for (auto it = unknown.begin(); it != unknown.end(); ++it) {
        if (!value.is_object() || !value.contains(it.key())) {
          entries.emplace_back(it.key(), TemplateValue::Unknown());
        }
      }
    }
    return TemplateValue::FromMap(std::move(entries)).MarkSensitive(secret);
  }
  if (value.is_array()) {
    TemplateValue::List items;
    for (size_t i = 0; i < value.size(); ++i) {
      items.push_back(RenderedValue(value[i], Item(unknown, i), Item(sensitive, i)));
    }
    return TemplateValue::FromList(std::move(items)).MarkSensitive(secret);
  }
  if (value.is_boolean()) return TemplateValue::Bool(value.get<bool>()).MarkSensitive(secret);
  if (value.is_number_integer()) {
    return TemplateValue::Int(value.get<long long>()).MarkSensitive(secret);
  }
  if (value.is_number()) return TemplateValue::Float(value.get<double>()).MarkSensitive(secret);
  if (value.is_string()) return TemplateValue::String(value.get<std::string>(), secret);
  return TemplateValue::None();
}

const TemplateValue* RenderedSections::Find(const std::string& name) const {
  auto it = sections_.find(name);
  if (it == sections_.end()) return nullptr;
  if (!it->second.value) it->second.value = it->second.make();
  return &*it->second.value;
}

TemplateValue RenderedSections::Lookup(const std::string& name) const {
  if (const TemplateValue* v = Find(name)) return *v;
  return base_.Lookup(name);
}

}  // namespace occam
