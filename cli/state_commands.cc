// `occam state list`, `occam state show ADDRESS`, `occam history` and
// `occam force-unlock ID`: reading the state, and clearing a stale lock.
#include <iostream>
#include <nlohmann/json.hpp>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/json_fields.h"
#include "base/utf8.h"
#include "state/state_lock.h"
#include "cli/command.h"
#include "cli/plan_render.h"
#include "cli/state_options.h"
#include "cli/state_outputs.h"
#include "planner/address.h"

namespace occam {
namespace {

struct StateReadOptions {
  StateOptions state;
  std::string address;  // state show
  std::string lock_id;  // force-unlock
  int limit = 50;       // history
  bool json = false;    // history --json
  bool follow = false;  // history --follow
};

Status LoadState(const StateOptions& options, StateSnapshot* snapshot) {
  std::unique_ptr<StateStore> store;
  Status s = OpenStateReadOnly(options, &store);
  return s.ok() ? store->Load(snapshot) : s;
}

std::vector<const ResourceInstance*> InAddressOrder(const StateSnapshot& s) {
  std::vector<const ResourceInstance*> out;
  for (const auto& [address, r] : s.instances) out.push_back(&r);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return std::tie(a->node, a->index) < std::tie(b->node, b->index);
  });
  return out;
}

int RunList(const StateReadOptions& options) {
  StateSnapshot snapshot;
  Status s = LoadState(options.state, &snapshot);
  if (!s.ok()) return ReportError(s, std::cerr);
  for (const ResourceInstance* r : InAddressOrder(snapshot)) {
    std::cout << r->address << "\n";
  }
  return kExitOk;
}

int RunShowInstance(const StateReadOptions& options) {
  StateSnapshot snapshot;
  Status s = LoadState(options.state, &snapshot);
  if (!s.ok()) return ReportError(s, std::cerr);
  std::string address = WithoutResourceType(options.address);
  auto it = snapshot.instances.find(address);
  if (it == snapshot.instances.end()) {
    return ReportError(Status::NotFound("no instance " + address +
                                        " in the state; occam state list "
                                        "shows them"),
                       std::cerr);
  }
  std::cout << InstanceText(it->second);
  return kExitOk;
}

// One event: a line for people, or (--json) one JSON object.
std::string EventLine(const Event& e, bool json) {
  if (json) {
    return nlohmann::json({{"id", e.id},
                           {"time", FormatTimestamp(e.time_ms)},
                           {"kind", e.kind},
                           {"node", e.node},
                           {"message", e.message},
                           {"detail", e.detail}})
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // Alert labels come from outside: print them, never obey them.
  std::string cause = JsonString(e.detail, "cause");
  return Printable(FormatTimestamp(e.time_ms) + "  " + e.kind + "  " +
                   (e.node.empty() ? "-" : e.node) + "  " + e.message +
                   (cause.empty() ? "" : "  [" + cause + "]"));
}

// --follow: prints each event committed after `last`, oldest first, as it
// comes (checked four times a second), until interrupted.
int FollowHistory(StateStore* store, int64_t last, bool json) {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::vector<Event> events;
    Status s = store->Events(1000, &events);
    if (!s.ok()) return ReportError(s, std::cerr);
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->id <= last) continue;
      std::cout << EventLine(*it, json) << "\n";
      last = it->id;
    }
    std::cout.flush();
  }
}

int RunHistory(const StateReadOptions& options) {
  std::unique_ptr<StateStore> store;
  Status s = OpenStateReadOnly(options.state, &store);
  std::vector<Event> events;
  if (s.ok()) s = store->Events(options.limit, &events);
  if (!s.ok()) return ReportError(s, std::cerr);
  int64_t last = events.empty() ? 0 : events.front().id;
  // Newest first; when following, oldest first so new ones come last.
  if (options.follow) std::reverse(events.begin(), events.end());
  for (const Event& e : events) std::cout << EventLine(e, options.json) << "\n";
  std::cout.flush();
  if (options.follow) return FollowHistory(store.get(), last, options.json);
  return kExitOk;
}

int RunForceUnlock(const StateReadOptions& options) {
  std::unique_ptr<StateStore> store;
  Status s = OpenState(options.state, /*create=*/false, &store);
  std::optional<LockInfo> holder;
  if (s.ok()) s = store->CurrentLock(&holder);
  // Removing the lock of a running apply lets another one start beside it:
  // both would create and delete the same instances.
  if (s.ok() && holder && holder->id == options.lock_id &&
      LockHolderIsRunning(*holder)) {
    s = Status::Busy("the state lock " + options.lock_id +
                     " is held by process " + std::to_string(holder->pid) +
                     " of this host, which is still running:\n" +
                     DescribeLock(*holder) +
                     "Wait for it to finish, or stop it; nothing was "
                     "changed");
  }
  if (s.ok()) s = store->Unlock(options.lock_id);
  if (s.IsNotFound()) {
    s = Status::NotFound("the state is not locked by " + options.lock_id +
                         "; nothing was changed");
  }
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << "occam state has been successfully unlocked!\n";
  return kExitOk;
}

}  // namespace

void RegisterStateCommands(CLI::App* app, CommandList* commands) {
  CLI::App* state = app->add_subcommand(
      "state", "Read the state, and change it by hand (rm, mv)");
  state->require_subcommand(1);
  auto list = std::make_shared<StateReadOptions>();
  CLI::App* list_cmd = state->add_subcommand("list", "List instances");
  AddStateOptions(list_cmd, &list->state, false);
  commands->push_back({list_cmd, [list] { return RunList(*list); }});

  auto show = std::make_shared<StateReadOptions>();
  CLI::App* show_cmd = state->add_subcommand("show", "Show one instance");
  show_cmd->add_option("ADDRESS", show->address, "e.g. app[0]")->required();
  AddStateOptions(show_cmd, &show->state, false);
  commands->push_back({show_cmd, [show] { return RunShowInstance(*show); }});
  RegisterStateSurgery(state, commands);
  RegisterStateMigrate(state, commands);
  RegisterStateKeyCommands(state, commands);
}

void RegisterHistoryCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<StateReadOptions>();
  CLI::App* cmd = app->add_subcommand(
      "history", "The event log, newest first: scaling decisions, applies");
  AddStateOptions(cmd, &options->state, false);
  cmd->add_option("--limit", options->limit, "at most this many (0: all)");
  cmd->add_flag("--json", options->json, "one JSON object per event");
  cmd->add_flag("--follow", options->follow,
                "oldest first, then print new events as they are committed "
                "(until interrupted)");
  commands->push_back({cmd, [options] { return RunHistory(*options); }});
}

void RegisterForceUnlockCommand(CLI::App* app, CommandList* commands) {
  auto options = std::make_shared<StateReadOptions>();
  CLI::App* cmd = app->add_subcommand(
      "force-unlock", "Remove a stale state lock left by a dead occam");
  cmd->add_option("ID", options->lock_id, "the lock id the error showed")
      ->required();
  AddStateOptions(cmd, &options->state, false);
  commands->push_back({cmd, [options] { return RunForceUnlock(*options); }});
}

}  // namespace occam
