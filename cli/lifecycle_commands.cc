// `occam refresh`, `occam taint ADDRESS` and `occam untaint ADDRESS`:
// record what providers say exists, and mark an instance for replacement
// (or clear the mark).
#include <iostream>

#include "cli/command.h"
#include "cli/state_options.h"
#include "planner/address.h"
#include "planner/refresh.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct LifecycleOptions {
  StateOptions state;
  std::string address;
  bool input = true;
  int parallelism = 10;
  bool compact_warnings = false;
};

int RunRefresh(const LifecycleOptions& o) {
  Status s = WithLockedState(o.state, "refresh", [&](StateStore* store, StateSnapshot* state) {
    ProviderRegistry providers(ProviderOptionsFor(o.state));
    StateChange change;
    Status st = RefreshState(&providers, state, &change);
    if (!st.ok()) return st;
    int gone = 0;
    for (const ResourceInstance& r : change.put) {
      if (r.status == InstanceStatus::kGone) {
        std::cout << r.address << ": gone; the next apply recreates it\n";
        ++gone;
      }
    }
    Event event;
    event.kind = "refresh";
    event.message = "refresh: " + std::to_string(gone) + " gone of " +
                    std::to_string(state->instances.size());
    change.events.push_back(event);
    int64_t serial;
    st = store->Commit(change, &serial);
    if (st.ok()) std::cout << event.message << "\n";
    return st;
  });
  return s.ok() ? kExitOk : ReportError(s, std::cerr);
}

// taint (replace on the next apply) and untaint (keep it after all).
int RunTaint(const LifecycleOptions& o, bool taint) {
  const std::string address = WithoutResourceType(o.address);
  const char* operation = taint ? "taint" : "untaint";
  Status s = WithLockedState(o.state, operation, [&](StateStore* store, StateSnapshot* state) {
    auto it = state->instances.find(address);
    if (it == state->instances.end()) {
      return Status::NotFound("no instance " + address +
                              " in the state; occam state list shows them");
    }
    ResourceInstance r = it->second;
    if (!taint && r.status != InstanceStatus::kTainted) {
      return Status::InvalidArgument(
          address + " is not tainted (it is " + InstanceStatusName(r.status) +
          "); nothing was changed");
    }
    r.status = taint ? InstanceStatus::kTainted : InstanceStatus::kReady;
    StateChange change;
    change.put.push_back(r);
    Event event;
    event.kind = operation;
    event.node = r.node;
    event.message = address + (taint ? " marked as tainted" : " untainted");
    event.detail = {{"cause", "cli"}, {"address", address}};
    change.events.push_back(event);
    int64_t serial;
    return store->Commit(change, &serial);
  });
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << "Resource instance " << address
            << (taint ? " has been marked as tainted.\n"
                      : " has been successfully untainted.\n");
  return kExitOk;
}

}  // namespace

void RegisterLifecycleCommands(CLI::App* app, CommandList* commands) {
  auto refresh = std::make_shared<LifecycleOptions>();
  CLI::App* rcmd = app->add_subcommand(
      "refresh", "Ask the providers which objects still exist");
  AddStateOptions(rcmd, &refresh->state, false);
  // Terraform's refresh flags: it never asks, reads one instance at a time
  // and prints no multi-line warnings.
  rcmd->add_option("--input", refresh->input, "accepted: refresh never asks for input");
  rcmd->add_option("--parallelism", refresh->parallelism,
                   "at most this many provider calls at once (refresh makes one at a time)")
      ->check(CLI::PositiveNumber);
  rcmd->add_flag("--compact-warnings", refresh->compact_warnings,
                 "print warnings as one line each");
  commands->push_back({rcmd, [refresh] { return RunRefresh(*refresh); }});

  auto taint = std::make_shared<LifecycleOptions>();
  CLI::App* tcmd = app->add_subcommand(
      "taint", "Mark an instance so that the next apply replaces it");
  tcmd->add_option("ADDRESS", taint->address, "e.g. app[0]")->required();
  AddStateOptions(tcmd, &taint->state, false);
  commands->push_back({tcmd, [taint] { return RunTaint(*taint, true); }});

  auto untaint = std::make_shared<LifecycleOptions>();
  CLI::App* ucmd = app->add_subcommand(
      "untaint", "Clear an instance's taint: the next apply keeps it");
  ucmd->add_option("ADDRESS", untaint->address, "e.g. app[0]")->required();
  AddStateOptions(ucmd, &untaint->state, false);
  commands->push_back({ucmd, [untaint] { return RunTaint(*untaint, false); }});
}

}  // namespace occam
