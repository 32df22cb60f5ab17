#include "state/sealing_state_store.h"

#include <functional>

#include "state/sealed_secrets.h"
#include "state/state_settings.h"

namespace occam {
namespace {

using nlohmann::json;

// The configuration last applied marks as secret the -var assignments
// whose names are secret ("db_password=…").
json AppliedSourceMirror(const json& source) {
  auto it = source.find("var_assignments");
  if (it == source.end()) return json::object();
  return {{"var_assignments", SecretAssignmentMarks(*it)}};
}

// The key id of a sealed value of `state`, "" when it holds none.
std::string SealedKeyOf(const StateSnapshot& state) {
  for (const auto& [address, r] : state.instances) {
    if (!MayHoldSealed(r.attributes.text())) continue;
    std::string id;
    std::function<void(const json&)> find = [&](const json& v) {
      if (!id.empty()) return;
      if (IsSealed(v)) id = SealedKeyId(v);
      if (v.is_structured()) {
        for (const json& child : v) find(child);
      }
    };
    find(r.attributes.value());
    if (!id.empty()) return id;
  }
  return "";
}

std::string KeyHelp(const std::string& id) {
  return "give the key " + id +
         " as OCCAM_STATE_KEY (or a file only you can read, with "
         "OCCAM_STATE_KEY_FILE or --state-key-file)";
}

}  // namespace

SealingStateStore::SealingStateStore(std::unique_ptr<StateStore> inner,
                                     SecretKeyring ring)
    : inner_(std::move(inner)), ring_(std::move(ring)) {}

bool SealingStateStore::Sealing() const {
  return ring_.can_seal || !state_key_.empty() || !missing_.empty();
}

Status SealingStateStore::Load(StateSnapshot* out) {
  Status s = inner_->Load(out);
  if (!s.ok()) return s;
  missing_.clear();
  // The store's own record: the state read through it is the one written.
  auto key = out->settings.find(kStateKeySetting);
  state_key_ = key == out->settings.end() ? "" : key->second;
  if (key != out->settings.end()) out->settings.erase(key);
  if (state_key_.empty() && ring_.empty()) return Status::Ok();
  for (auto& [address, r] : out->instances) {
    s = OpenInstance(&r);
    if (!s.ok()) return s;
  }
  return OpenSettings(&out->settings);
}

Status SealingStateStore::OpenInstance(ResourceInstance* r) {
  if (!MayHoldSealed(r->attributes.text())) return Status::Ok();
  json value = r->attributes.value();
  Status s = OpenSealed(ring_, &value, &missing_);
  if (!s.ok()) {
    return Status::Corruption("the state's attributes of " + r->address +
                              ": " + s.message());
  }
  r->attributes = StoredJson(std::move(value));
  return Status::Ok();
}

Status SealingStateStore::OpenSettings(
    std::map<std::string, std::string>* settings) {
  auto it = settings->find(kAppliedSourceSetting);
  if (it == settings->end() || !MayHoldSealed(it->second)) return Status::Ok();
  json source = json::parse(it->second, nullptr, false);
  Status s = OpenSealed(ring_, &source, &missing_);
  if (!s.ok()) {
    return Status::Corruption("the state's configuration last applied: " +
                              s.message());
  }
  if (!source.is_discarded()) it->second = source.dump();
  return Status::Ok();
}

Status SealingStateStore::SecretsReadable() const {
  if (missing_.empty()) return Status::Ok();
  const std::string& id = *missing_.begin();
  std::string given = ring_.empty() ? "no state key was given"
                                    : "the key given is " + ring_.keys[0].id;
  return Status::Unavailable(
      "the state's secrets are sealed with key " + id + " and " + given +
      ": " + KeyHelp(id) +
      " (to change keys, give the old one as OCCAM_STATE_OLD_KEY and run "
      "occam state rekey)");
}

Status SealingStateStore::SealInstance(ResourceInstance* r) const {
  const json& mirror = r->sensitive.value();
  if (!mirror.is_object() && !mirror.is_array() && mirror != true) {
    return Status::Ok();
  }
  if (!ring_.can_seal) {
    if (CountPlainMarked(r->attributes.value(), mirror) == 0) return Status::Ok();
    return Status::Unavailable("storing " + r->address +
                               " would write its secrets in plain text into a "
                               "state sealed with key " + state_key_ + ": " +
                               KeyHelp(state_key_));
  }
  if (CountPlainMarked(r->attributes.value(), mirror) == 0) return Status::Ok();
  json value = r->attributes.value();
  SealMarked(mirror, ring_.keys[0], &value);
  r->attributes = StoredJson(std::move(value));
  return Status::Ok();
}

Status SealingStateStore::SealSettings(
    std::map<std::string, std::string>* settings) const {
  auto it = settings->find(kAppliedSourceSetting);
  if (it == settings->end() || it->second.empty()) return Status::Ok();
  json source = json::parse(it->second, nullptr, false);
  if (source.is_discarded()) return Status::Ok();
  json mirror = AppliedSourceMirror(source);
  if (CountPlainMarked(source, mirror) == 0) return Status::Ok();
  if (!ring_.can_seal) {
    return Status::Unavailable(
        "storing the configuration applied would write a secret -var in "
        "plain text into a state sealed with key " + state_key_ + ": " +
        KeyHelp(state_key_));
  }
  SealMarked(mirror, ring_.keys[0], &source);
  it->second = source.dump();
  return Status::Ok();
}

Status SealingStateStore::Sealed(const StateChange& change,
                                 StateChange* out) const {
  *out = change;
  for (ResourceInstance& r : out->put) {
    Status s = SealInstance(&r);
    if (!s.ok()) return s;
  }
  if (ring_.can_seal && state_key_ != ring_.keys[0].id) {
    out->set_settings[kStateKeySetting] = ring_.keys[0].id;
  }
  return SealSettings(&out->set_settings);
}

Status SealingStateStore::Commit(const StateChange& change, int64_t* serial) {
  if (!Sealing()) return inner_->Commit(change, serial);
  StateChange sealed;
  Status s = Sealed(change, &sealed);
  if (s.ok()) s = inner_->Commit(sealed, serial);
  if (s.ok() && ring_.can_seal) state_key_ = ring_.keys[0].id;
  return s;
}

Status SealingStateStore::Replace(const StateSnapshot& state,
                                  const std::vector<Event>& events) {
  if (!ring_.can_seal) {
    // Sealed values copied as they are: the copy names their key too.
    std::string id = SealedKeyOf(state);
    if (id.empty()) return inner_->Replace(state, events);
    StateSnapshot copy = state;
    copy.settings[kStateKeySetting] = id;
    return inner_->Replace(copy, events);
  }
  StateSnapshot sealed = state;
  for (auto& [address, r] : sealed.instances) {
    Status s = SealInstance(&r);
    if (!s.ok()) return s;
  }
  sealed.settings[kStateKeySetting] = ring_.keys[0].id;
  Status s = SealSettings(&sealed.settings);
  return s.ok() ? inner_->Replace(sealed, events) : s;
}

Status SealingStateStore::Events(int limit, std::vector<Event>* out) {
  return inner_->Events(limit, out);
}

Status SealingStateStore::TryLock(const LockInfo& me, LockInfo* holder) {
  return inner_->TryLock(me, holder);
}

Status SealingStateStore::Unlock(const std::string& id) {
  return inner_->Unlock(id);
}

Status SealingStateStore::CurrentLock(std::optional<LockInfo>* holder) {
  return inner_->CurrentLock(holder);
}

Status SealingStateStore::TryLead() { return inner_->TryLead(); }

Status SealingStateStore::StillLeads() { return inner_->StillLeads(); }

Status SealingStateStore::Compact() { return inner_->Compact(); }

}  // namespace occam
