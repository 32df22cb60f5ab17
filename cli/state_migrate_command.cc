// `occam state migrate --to LOCATION`: copies a state to another store —
// a file to PostgreSQL, PostgreSQL to a file, or between schemas — with its
// lineage, serial, instances, counts, settings and event log, under both
// locks. A destination that holds another state is never overwritten; the
// source is left as it was.
#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "cli/state_options.h"

namespace occam {
namespace {

struct MigrateOptions {
  StateOptions state;
  std::string to;
  bool dry_run = false;
};

// What a destination may be: new, or a state with nothing recorded yet
// (a plan creates one), or an older copy of this same state.
Status CheckDestination(const StateSnapshot& from, const StateSnapshot& to,
                        bool to_has_events, const std::string& shown) {
  bool empty = to.serial == 0 && to.instances.empty() && !to_has_events;
  if (to.lineage != from.lineage && !empty) {
    return Status::InvalidArgument(
        "the state at " + shown + " is another state (lineage " + to.lineage +
        ", serial " + std::to_string(to.serial) + "); occam state migrate "
        "never overwrites one. Name a location that holds no state; nothing "
        "was changed");
  }
  if (to.lineage == from.lineage && to.serial > from.serial) {
    return Status::InvalidArgument(
        "the state at " + shown + " is newer than the one it would be copied "
        "from (serial " + std::to_string(to.serial) + " > " +
        std::to_string(from.serial) + "): it has been used since; migrate in "
        "the other direction; nothing was changed");
  }
  return Status::Ok();
}

// Opened with the state's keys: secrets the source opens are sealed again
// on the way in.
Status OpenDestination(const MigrateOptions& o, std::unique_ptr<StateStore>* out) {
  StateOpenOptions existing;
  existing.create_if_missing = false;
  Status s = StateKeys(o.state, &existing.keys);
  if (s.ok()) s = OpenStateStore(o.to, existing, out);
  if (!s.IsNotFound() || o.dry_run) return s;
  StateOpenOptions fresh;
  fresh.keys = existing.keys;
  return OpenStateStore(o.to, fresh, out);
}

int RunMigrate(const MigrateOptions& o) {
  std::string from_shown = ShownLocation(o.state.path), to_shown = ShownLocation(o.to);
  if (o.to == o.state.path) {
    return ReportError(Status::InvalidArgument("--to names the state itself"), std::cerr);
  }
  std::unique_ptr<StateStore> from, to;
  std::unique_ptr<StateLock> from_lock, to_lock;
  StateSnapshot source, dest;
  std::vector<Event> events, dest_events;
  Status s = OpenState(o.state, /*create=*/false, &from);
  if (s.ok()) s = LockState(from.get(), o.state, "migrate", &from_lock);
  if (s.ok()) s = from->Load(&source);
  if (s.ok()) s = from->Events(0, &events);
  if (s.ok()) s = OpenDestination(o, &to);
  bool fresh = s.IsNotFound();  // --dry-run to a location with no state
  if (s.ok()) {
    std::chrono::milliseconds timeout;
    s = ParseDuration(o.state.lock_timeout, &timeout);
    if (s.ok()) s = StateLock::Acquire(to.get(), to_shown, "migrate", timeout, &to_lock);
  }
  if (s.ok()) s = to->Load(&dest);
  if (s.ok()) s = to->Events(1, &dest_events);
  if (s.ok()) s = CheckDestination(source, dest, !dest_events.empty(), to_shown);
  if (fresh) s = Status::Ok();
  if (!s.ok()) return ReportError(s, std::cerr);
  std::string what = "the state " + from_shown + " (lineage " + source.lineage +
                     ", serial " + std::to_string(source.serial) + ", " +
                     std::to_string(source.instances.size()) + " instances, " +
                     std::to_string(events.size()) + " events)";
  if (o.dry_run) {
    std::cout << "Would copy " << what << " to " << to_shown << ".\n";
    return kExitOk;
  }
  std::reverse(events.begin(), events.end());  // oldest first
  s = to->Replace(source, events);
  if (s.ok()) {
    StateChange note;
    Event e;
    e.kind = "migrate";
    e.message = "state copied from " + from_shown + " (serial " +
                std::to_string(source.serial) + ")";
    e.detail = {{"from", from_shown}, {"serial", source.serial}};
    note.events.push_back(e);
    int64_t serial = 0;
    s = to->Commit(note, &serial);
  }
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << "Copied " << what << " to " << to_shown << ".\n"
            << "Use --state '" << to_shown << "' from now on; " << from_shown
            << " is left as it was (remove it once you no longer need it).\n";
  return kExitOk;
}

}  // namespace

void RegisterStateMigrate(CLI::App* state, CommandList* commands) {
  auto o = std::make_shared<MigrateOptions>();
  CLI::App* cmd = state->add_subcommand(
      "migrate", "Copy the state to another location (a file, or "
                 "postgres://…) with its lineage, serial and events");
  cmd->add_option("--to", o->to, "where to copy it: a file or postgres://HOST/DB?schema=NAME")
      ->required();
  cmd->add_flag("--dry-run", o->dry_run, "say what would be copied");
  AddStateOptions(cmd, &o->state, false);
  commands->push_back({cmd, [o] { return RunMigrate(*o); }});
}

}  // namespace occam
