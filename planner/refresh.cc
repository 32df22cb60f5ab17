#include "planner/refresh.h"

#include <map>

namespace occam {
namespace {

// Folds what the provider said of `r`'s object into `r`; false when
// nothing changed.
Status Fold(const Status& s, const ResourceObject& object,
            ResourceInstance* r, bool* changed) {
  *changed = true;
  if (s.IsNotFound()) {
    r->status = InstanceStatus::kGone;
  } else if (s.ok() && !object.drift.empty()) {
    r->status = InstanceStatus::kDrifted;
    nlohmann::json outputs = r->outputs.value();
    outputs["drift"] = object.drift;
    r->outputs = StoredJson(outputs);
  } else if (!s.ok()) {
    return Status::Unavailable("refreshing " + r->address + ": " + s.message());
  } else if (!object.outputs.empty() && object.outputs != r->outputs.value()) {
    // Keep what only the create knew (the log path) and take the rest.
    nlohmann::json outputs = r->outputs.value();
    for (const auto& [k, v] : object.outputs.items()) outputs[k] = v;
    *changed = outputs != r->outputs.value();
    r->outputs = StoredJson(outputs);
  } else {
    *changed = false;
  }
  return Status::Ok();
}

}  // namespace

Status RefreshState(ProviderRegistry* providers, StateSnapshot* state,
                    StateChange* change, const RefreshObserver& observer) {
  // Each provider reads its instances in one go (ec2: one call per
  // endpoint, not one per instance); the answers are then taken in the
  // order of the addresses.
  struct Read {
    ResourceInstance* instance;
    Status status;
    ResourceObject object;
  };
  std::vector<Read> reads;
  reads.reserve(state->instances.size());
  std::map<Provider*, std::vector<size_t>> batches;
  std::string last_type;  // instances of a type come together
  Provider* last = nullptr;
  for (auto& [address, r] : state->instances) {
    if (r.status != InstanceStatus::kReady || r.provider_id.empty()) continue;
    std::string why;
    if (!last || r.provider != last_type) {
      last = providers->Find(r.provider, &why);
      last_type = r.provider;
    }
    Provider* provider = last;
    if (!provider) continue;
    batches[provider].push_back(reads.size());
    reads.push_back({&r, Status::Ok(), ResourceObject()});
  }
  for (auto& [provider, members] : batches) {
    std::vector<std::string> ids;
    for (size_t m : members) ids.push_back(reads[m].instance->provider_id);
    std::vector<Status> statuses;
    std::vector<ResourceObject> objects;
    provider->ReadMany(ids, &statuses, &objects);
    for (size_t i = 0; i < members.size(); ++i) {
      reads[members[i]].status = statuses[i];
      reads[members[i]].object = std::move(objects[i]);
    }
  }
  for (Read& read : reads) {
    if (observer) observer(*read.instance, false);
    if (observer && read.status.ok()) observer(*read.instance, true);
    bool changed = false;
    Status s = Fold(read.status, read.object, read.instance, &changed);
    if (!s.ok()) return s;
    if (changed && change) change->put.push_back(*read.instance);
  }
  return Status::Ok();
}

}  // namespace occam
