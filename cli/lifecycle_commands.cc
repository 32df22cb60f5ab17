// `occam refresh` and `occam taint ADDRESS`: record what providers say
// exists, and mark an instance for replacement.
#include <iostream>

#include "cli/command.h"
#include "cli/state_options.h"
#include "planner/refresh.h"
#include "state/state_lock.h"

namespace occam {
namespace {

struct LifecycleOptions {
  StateOptions state;
  std::string address;
};

// Opens and locks the state for `operation`, loads it, and runs `body`.
template <typename Body>
Status WithState(const LifecycleOptions& o, const std::string& operation,
                 Body&& body) {
  std::unique_ptr<SqliteStateStore> store;
  Status s = OpenState(o.state, /*create=*/false, &store);
  std::unique_ptr<StateLock> lock;
  if (s.ok()) s = LockState(store.get(), o.state, operation, &lock);
  StateSnapshot state;
  if (s.ok()) s = store->Load(&state);
  if (s.ok()) NoteDaemon(state, "it will follow this change");
  return s.ok() ? body(store.get(), &state) : s;
}

int RunRefresh(const LifecycleOptions& o) {
  Status s = WithState(o, "refresh", [&](StateStore* store, StateSnapshot* state) {
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

int RunTaint(const LifecycleOptions& o) {
  Status s = WithState(o, "taint", [&](StateStore* store, StateSnapshot* state) {
    auto it = state->instances.find(o.address);
    if (it == state->instances.end()) {
      return Status::NotFound("no instance " + o.address +
                              " in the state; occam state list shows them");
    }
    StateChange change;
    ResourceInstance r = it->second;
    r.status = InstanceStatus::kTainted;
    change.put.push_back(r);
    Event event;
    event.kind = "taint";
    event.node = r.node;
    event.message = o.address + " marked as tainted";
    event.detail = {{"cause", "cli"}};
    change.events.push_back(event);
    int64_t serial;
    return store->Commit(change, &serial);
  });
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << "Resource instance " << o.address
            << " has been marked as tainted.\n";
  return kExitOk;
}

}  // namespace

void RegisterLifecycleCommands(CLI::App* app, CommandList* commands) {
  auto refresh = std::make_shared<LifecycleOptions>();
  CLI::App* rcmd = app->add_subcommand(
      "refresh", "Ask the providers which objects still exist");
  AddStateOptions(rcmd, &refresh->state, false);
  commands->push_back({rcmd, [refresh] { return RunRefresh(*refresh); }});

  auto taint = std::make_shared<LifecycleOptions>();
  CLI::App* tcmd = app->add_subcommand(
      "taint", "Mark an instance so that the next apply replaces it");
  tcmd->add_option("ADDRESS", taint->address, "e.g. app[0]")->required();
  AddStateOptions(tcmd, &taint->state, false);
  commands->push_back({tcmd, [taint] { return RunTaint(*taint); }});
}

}  // namespace occam
