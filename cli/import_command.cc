// `occam import ADDRESS ID`: adopts an object that already exists (a
// process, a container that Occopus or a person started) as an instance,
// as Terraform's import does. The provider reads the object; what it can
// see of it (command line, image) is recorded in place of the descriptor's
// values, so the next plan shows no change when they agree and the
// difference when they do not. An object carrying occam's ownership tags
// of another state is refused: it belongs to that state.
#include <iostream>

#include "base/spelling.h"
#include "cli/command.h"
#include "cli/descriptor_options.h"
#include "cli/state_options.h"
#include "planner/address.h"
#include "planner/planner.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct ImportOptions {
  CompileOptions compile;
  StateOptions state;
  std::string address;
  std::string id;
};

// The change the descriptor plans for `address`, from a copy of the state
// whose count includes it (an address above the count is imported, and the
// next plan scales it away, as Terraform's count would).
Status PlannedChange(const Descriptor& descriptor, const NodeGraph& graph,
                     StateSnapshot state, const std::string& node, int index,
                     ResourceChange* out) {
  auto& count = state.desired_counts[node];
  count = std::max(count, index + 1);
  Plan plan;
  Diagnostics diags;
  if (!MakePlan(descriptor, graph, state, &plan, &diags)) {
    return Status::InvalidArgument(diags.ToString());
  }
  std::string address = InstanceAddress(node, index);
  for (ResourceChange& c : plan.changes) {
    if (c.address == address && c.deposed.empty()) {
      *out = std::move(c);
      return Status::Ok();
    }
  }
  return Status::Internal("the plan has no " + address);
}

// Refuses an object that another state owns.
Status CheckOwner(const ResourceObject& object, const StateSnapshot& state,
                  const std::string& address) {
  auto lineage = object.tags.find(kLineageTag);
  if (lineage == object.tags.end() || lineage->second.empty() ||
      lineage->second == state.lineage) {
    return Status::Ok();
  }
  auto owner = object.tags.find(kAddressTag);
  return Status::InvalidArgument(
      object.id + " carries occam's ownership tags of another state (lineage " +
      lineage->second + (owner == object.tags.end() ? "" : ", as " + owner->second) +
      "); that state manages it, and importing it here would let two states "
      "delete it. Remove it there first (occam state rm), or import it into "
      "that state; " + address + " was not imported");
}

ResourceInstance Imported(const ResourceChange& c, const ResourceObject& object,
                          const nlohmann::json& observed, const StateSnapshot& state) {
  ResourceInstance r;
  r.address = c.address;
  r.node = c.node;
  r.index = c.index;
  r.provider = c.provider;
  r.provider_id = object.id;
  r.status = InstanceStatus::kReady;
  r.attributes = StoredJson(observed);
  r.outputs = StoredJson(object.outputs);
  r.sensitive = StoredJson(*c.after_sensitive);
  r.tags = MakeOwnershipTags(state.lineage, c.address);
  r.dependencies = c.dependencies;
  r.created_serial = -1;
  return r;
}

Status Import(const ImportOptions& o, const Descriptor& descriptor,
              const NodeGraph& graph, StateStore* store, StateSnapshot* state) {
  std::string address = WithoutResourceType(o.address), node;
  int index = 0;
  if (!ParseInstanceAddress(address, &node, &index)) {
    return Status::InvalidArgument("'" + o.address + "' is not an instance address: "
                                   "import one instance, as app[0]");
  }
  if (descriptor.FindNode(node) < 0) {
    return Status::InvalidArgument("the descriptor has no node named '" + node + "'" +
                                   DidYouMean(node, descriptor.NodeNames()) +
                                   "; add it before importing into it");
  }
  if (state->instances.count(address)) {
    return Status::InvalidArgument(
        address + " is already managed (" + state->instances[address].provider_id +
        "); to import another object there, forget this one first: occam state rm " +
        address);
  }
  ResourceChange change;
  Status s = PlannedChange(descriptor, graph, *state, node, index, &change);
  if (!s.ok()) return s;
  ProviderRegistry providers(ProviderOptionsFor(o.state));
  std::string why;
  Provider* provider = providers.Find(change.provider, &why);
  if (!provider) return Status::InvalidArgument(why);
  ResourceObject object;
  nlohmann::json observed;
  s = provider->Import(o.id, *change.after, &object, &observed);
  if (s.ok()) s = CheckOwner(object, *state, address);
  if (!s.ok()) return s.WithMessage(address + ": cannot import " + o.id + ": " + s.message());
  for (const auto& [a, r] : state->instances) {
    if (r.provider == change.provider && r.provider_id == object.id) {
      return Status::InvalidArgument(object.id + " is already managed as " + a +
                                      "; nothing was imported");
    }
  }
  StateChange record;
  record.put.push_back(Imported(change, object, observed, *state));
  Event event;
  event.kind = "import";
  event.node = node;
  event.message = address + " imported from " + change.provider + " " + object.id;
  event.detail = {{"cause", "cli"}, {"address", address}, {"provider", change.provider},
                  {"provider_id", object.id}};
  record.events.push_back(event);
  int64_t serial;
  return store->Commit(record, &serial);
}

int RunImport(const ImportOptions& o) {
  Descriptor descriptor;
  NodeGraph graph;
  if (!CompileOrReport(o.compile, &descriptor, &graph, std::cerr)) return kExitError;
  std::unique_ptr<StateStore> store;
  Status s = OpenState(o.state, /*create=*/true, &store);
  std::unique_ptr<StateLock> lock;
  if (s.ok()) s = LockState(store.get(), o.state, "import", &lock);
  StateSnapshot state;
  if (s.ok()) s = store->Load(&state);
  if (s.ok()) s = store->SecretsReadable();
  if (s.ok()) NoteDaemon(state, "it will follow this change");
  if (s.ok()) s = Import(o, descriptor, graph, store.get(), &state);
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << WithoutResourceType(o.address) << ": Import prepared!\n\n"
            << "Import successful!\n\nThe object above has been imported into the "
               "occam state. occam plan shows whether it matches the descriptor.\n";
  return kExitOk;
}

}  // namespace

void RegisterImportCommand(CLI::App* app, CommandList* commands) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = app->add_subcommand(
      "import", "Adopt an existing object (a pid, a container) as an instance");
  cmd->add_option("ADDRESS", o->address, "the instance, e.g. app[0]")->required();
  cmd->add_option("ID", o->id,
                  "the object: a pid (process), a container name or id (docker)")
      ->required();
  AddDescriptorOptions(cmd, &o->compile);
  AddStateOptions(cmd, &o->state, /*can_create=*/true);
  commands->push_back({cmd, [o] { return RunImport(*o); }});
}

}  // namespace occam
