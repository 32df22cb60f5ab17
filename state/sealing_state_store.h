// SealingStateStore keeps a state's secrets sealed at rest: it wraps any
// StateStore and, on the way in, replaces each value the sensitive mirror
// of an instance marks (and each secret -var in the configuration last
// applied) by its sealing under the current key (sealed_secrets.h); on
// the way out it opens what its keys open. The rest of the state — its
// addresses, providers, ids, outputs, counts and events — stays readable
// without a key, so that state list, history and plan work without one.
//
// Without a key, a state holding sealed values loads with them still
// sealed (SecretsReadable says which key is missing), and a commit that
// would store a secret of it in plain text is refused. A state that was
// never sealed, used without a key, is read and written as it is.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "state/secret_key.h"
#include "state/state_store.h"

namespace occam {

class SealingStateStore : public StateStore {
 public:
  SealingStateStore(std::unique_ptr<StateStore> inner, SecretKeyring ring);

  Status Load(StateSnapshot* out) override;
  Status Commit(const StateChange& change, int64_t* serial) override;
  Status Events(int limit, std::vector<Event>* out) override;
  Status TryLock(const LockInfo& me, LockInfo* holder) override;
  Status Unlock(const std::string& id) override;
  Status CurrentLock(std::optional<LockInfo>* holder) override;
  Status TryLead() override;
  Status StillLeads() override;
  Status SecretsReadable() const override;
  Status Compact() override;
  Status Replace(const StateSnapshot& state,
                 const std::vector<Event>& events) override;

  StateStore* inner() { return inner_.get(); }

 private:
  bool Sealing() const;
  Status OpenInstance(ResourceInstance* r);
  Status OpenSettings(std::map<std::string, std::string>* settings);
  Status SealInstance(ResourceInstance* r) const;
  Status SealSettings(std::map<std::string, std::string>* settings) const;
  Status Sealed(const StateChange& change, StateChange* out) const;

  std::unique_ptr<StateStore> inner_;
  SecretKeyring ring_;
  // What the last Load found: the key the state names (its state_key
  // setting), and the ids of the keys it lacked.
  std::string state_key_;
  std::set<std::string> missing_;
};

}  // namespace occam
