#include "planner/refresh.h"

namespace occam {

Status RefreshState(ProviderRegistry* providers, StateSnapshot* state,
                    StateChange* change, const RefreshObserver& observer) {
  for (auto& [address, r] : state->instances) {
    if (r.status != InstanceStatus::kReady || r.provider_id.empty()) continue;
    std::string why;
    Provider* provider = providers->Find(r.provider, &why);
    if (!provider) continue;
    ResourceObject object;
    if (observer) observer(r, false);
    Status s = provider->Read(r.provider_id, &object);
    if (observer && s.ok()) observer(r, true);
    if (s.IsNotFound()) {
      r.status = InstanceStatus::kGone;
    } else if (s.ok() && !object.drift.empty()) {
      r.status = InstanceStatus::kDrifted;
      nlohmann::json outputs = r.outputs.value();
      outputs["drift"] = object.drift;
      r.outputs = StoredJson(outputs);
    } else if (!s.ok()) {
      return Status::Unavailable("refreshing " + address + ": " + s.message());
    } else if (!object.outputs.empty() && object.outputs != r.outputs.value()) {
      // Keep what only the create knew (the log path) and take the rest.
      nlohmann::json outputs = r.outputs.value();
      for (const auto& [k, v] : object.outputs.items()) outputs[k] = v;
      if (outputs == r.outputs.value()) continue;
      r.outputs = StoredJson(outputs);
    } else {
      continue;
    }
    if (change) change->put.push_back(r);
  }
  return Status::Ok();
}

}  // namespace occam
