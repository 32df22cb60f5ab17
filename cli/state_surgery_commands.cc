// `occam state rm` and `occam state mv`: Terraform's state surgery. rm
// forgets instances without touching their objects (they keep running, now
// unmanaged); mv renames instances (app[0] → app[3]) or a whole node type
// (app → web). Each leaves an event in the history.
#include <iostream>
#include <set>

#include "cli/command.h"
#include "cli/state_options.h"
#include "planner/address.h"

namespace occam {
namespace {

struct SurgeryOptions {
  StateOptions state;
  std::vector<std::string> addresses;  // rm: what; mv: SRC DST
  bool dry_run = false;
};

// The instances `address` names: one ("app[0]") or all of a node ("app").
std::vector<const ResourceInstance*> Named(const StateSnapshot& state,
                                           const std::string& address) {
  auto it = state.instances.find(address);
  if (it != state.instances.end()) return {&it->second};
  return state.InstancesOf(address);
}

Status NothingAt(const std::string& address) {
  return Status::NotFound("the state has no instance " + address +
                          " and no node type of that name; occam state list "
                          "shows them; nothing was changed");
}

std::string ObjectOf(const ResourceInstance& r) {
  return r.provider_id.empty() ? "no object yet" : r.provider + " " + r.provider_id;
}

Status Remove(const SurgeryOptions& o, StateStore* store, StateSnapshot* state,
              int* removed) {
  StateChange change;
  std::set<std::string> seen;
  for (const std::string& given : o.addresses) {
    std::string address = WithoutResourceType(given);
    std::vector<const ResourceInstance*> named = Named(*state, address);
    if (named.empty()) return NothingAt(address);
    // A whole node type forgotten starts again from its descriptor count.
    if (!state->instances.count(address) && state->desired_counts.count(address)) {
      change.clear_desired.push_back(address);
    }
    for (const ResourceInstance* r : named) {
      if (!seen.insert(r->address).second) continue;
      std::cout << (o.dry_run ? "Would remove " : "Removed ") << r->address
                << " (" << ObjectOf(*r) << ")\n";
      change.remove.push_back(r->address);
      Event event;
      event.kind = "state_rm";
      event.node = r->node;
      event.message = r->address + " forgotten by state rm; its object (" +
                      ObjectOf(*r) + ") was left as it is";
      event.detail = {{"cause", "cli"},
                      {"address", r->address},
                      {"provider", r->provider},
                      {"provider_id", r->provider_id}};
      change.events.push_back(event);
    }
  }
  *removed = static_cast<int>(change.remove.size());
  if (o.dry_run) return Status::Ok();
  int64_t serial;
  return store->Commit(change, &serial);
}

int RunRemove(const SurgeryOptions& o) {
  int removed = 0;
  Status s = WithLockedState(o.state, "state rm", [&](StateStore* store, StateSnapshot* state) {
    return Remove(o, store, state, &removed);
  });
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << (o.dry_run ? "Would have removed " : "Successfully removed ")
            << removed << " resource instance(s).\n";
  return kExitOk;
}

// app[0] → app[3]: one instance; app → web: every instance and the count.
Status Move(const std::string& from, const std::string& to,
            const SurgeryOptions& o, StateStore* store, StateSnapshot* state,
            int* moved) {
  std::string to_node;
  int to_index = 0;
  bool one = state->instances.count(from) > 0;
  if (one != ParseInstanceAddress(to, &to_node, &to_index)) {
    return Status::InvalidArgument(
        "cannot move " + from + " to " + to + ": move an instance to an "
        "instance address (app[0] to app[3]) or a node type to a node type "
        "(app to web); nothing was changed");
  }
  if (!one) to_node = to;
  std::vector<const ResourceInstance*> named = Named(*state, from);
  if (named.empty()) return NothingAt(from);
  StateChange change;
  for (const ResourceInstance* r : named) {
    ResourceInstance moved_r = *r;
    moved_r.node = to_node;
    moved_r.index = one ? to_index : r->index;
    moved_r.address = InstanceAddress(moved_r.node, moved_r.index);
    if (state->instances.count(moved_r.address)) {
      return Status::InvalidArgument(
          "cannot move " + r->address + " to " + moved_r.address + ": the "
          "state already has " + moved_r.address + "; nothing was changed");
    }
    std::cout << (o.dry_run ? "Would move " : "Move ") << "\"" << r->address
              << "\" to \"" << moved_r.address << "\"\n";
    change.remove.push_back(r->address);
    Event event;
    event.kind = "state_mv";
    event.node = to_node;
    event.message = r->address + " moved to " + moved_r.address + " by state mv";
    event.detail = {{"cause", "cli"}, {"from", r->address}, {"to", moved_r.address},
                    {"provider_id", r->provider_id}};
    change.events.push_back(event);
    change.put.push_back(std::move(moved_r));
  }
  if (!one) {
    // The node type's scaled count goes with it.
    auto count = state->desired_counts.find(from);
    if (count != state->desired_counts.end()) {
      change.set_desired[to] = count->second;
      change.clear_desired.push_back(from);
    }
  }
  *moved = static_cast<int>(change.put.size());
  if (o.dry_run) return Status::Ok();
  int64_t serial;
  return store->Commit(change, &serial);
}

int RunMove(const SurgeryOptions& o) {
  int moved = 0;
  std::string from = WithoutResourceType(o.addresses[0]);
  std::string to = WithoutResourceType(o.addresses[1]);
  Status s = WithLockedState(o.state, "state mv", [&](StateStore* store, StateSnapshot* state) {
    return Move(from, to, o, store, state, &moved);
  });
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << (o.dry_run ? "Would have moved " : "Successfully moved ") << moved
            << " object(s).\n";
  return kExitOk;
}

}  // namespace

void RegisterStateSurgery(CLI::App* state, CommandList* commands) {
  auto rm = std::make_shared<SurgeryOptions>();
  CLI::App* rm_cmd = state->add_subcommand(
      "rm", "Forget instances without deleting their objects");
  rm_cmd->add_option("ADDRESS", rm->addresses,
                     "an instance (app[0]) or a node type (app); repeatable")
      ->required();
  rm_cmd->add_flag("--dry-run", rm->dry_run, "say what would be removed");
  AddStateOptions(rm_cmd, &rm->state, false);
  commands->push_back({rm_cmd, [rm] { return RunRemove(*rm); }});

  auto mv = std::make_shared<SurgeryOptions>();
  CLI::App* mv_cmd = state->add_subcommand(
      "mv", "Rename an instance (app[0] app[3]) or a node type (app web)");
  mv_cmd->add_option("SOURCE DESTINATION", mv->addresses, "SOURCE DESTINATION")
      ->required()
      ->expected(2);
  mv_cmd->add_flag("--dry-run", mv->dry_run, "say what would be moved");
  AddStateOptions(mv_cmd, &mv->state, false);
  commands->push_back({mv_cmd, [mv] { return RunMove(*mv); }});
}

}  // namespace occam
