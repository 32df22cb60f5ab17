#include "cli/state_options.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <optional>

#include "base/clock.h"
#include "state/state_settings.h"

namespace occam {

void AddStateOptions(CLI::App* command, StateOptions* options,
                     bool can_create) {
  command->add_option("--state", options->path,
                      "state file (default occam.db), or a PostgreSQL "
                      "database: postgres://HOST/DB?schema=NAME (libpq's "
                      "PG* variables fill what it leaves out)");
  command->add_option("--lock-timeout", options->lock_timeout,
                      "how long to wait for the state lock: 0, 30s, 2m …");
  command->add_option("--lock", options->lock,
                      "take the state lock (default true); -lock=false is for "
                      "plan, as a read-only command");
  command->add_option("--state-key-file", options->key_file,
                      "file holding the key that seals the state's secrets "
                      "(chmod 600; else OCCAM_STATE_KEY or "
                      "OCCAM_STATE_KEY_FILE)");
  if (can_create) {
    command->add_option("--infra-id", options->infra_id,
                        "infrastructure id of a new state (default: a new "
                        "UUID)");
  }
}

Status StateKeys(const StateOptions& options, SecretKeyring* keys) {
  return LoadSecretKeyring(options.key_file, keys);
}

Status OpenState(const StateOptions& options, bool create,
                 std::unique_ptr<StateStore>* out) {
  StateOpenOptions open;
  open.create_if_missing = create;
  open.infra_id = options.infra_id;
  Status s = StateKeys(options, &open.keys);
  if (!s.ok()) return s;
  s = OpenStateStore(options.path, open, out);
  if (!s.ok() || options.infra_id.empty()) return s;
  StateSnapshot snapshot;
  s = (*out)->Load(&snapshot);
  if (s.ok() && snapshot.infra_id != options.infra_id) {
    return Status::InvalidArgument(
        "the state " + ShownLocation(options.path) + " belongs to infrastructure " +
        snapshot.infra_id + "; --infra-id " + options.infra_id +
        " only names the infrastructure of a new state");
  }
  return s;
}

Status WithLockedState(
    const StateOptions& options, const std::string& operation,
    const std::function<Status(StateStore*, StateSnapshot*)>& body) {
  std::unique_ptr<StateStore> store;
  Status s = OpenState(options, /*create=*/false, &store);
  std::unique_ptr<StateLock> lock;
  if (s.ok()) s = LockState(store.get(), options, operation, &lock);
  StateSnapshot state;
  if (s.ok()) s = store->Load(&state);
  if (s.ok()) NoteDaemon(state, "it will follow this change");
  return s.ok() ? body(store.get(), &state) : s;
}

void NoteDaemon(const StateSnapshot& state, const std::string& what) {
  std::optional<DaemonLease> daemon = LiveDaemon(state);
  if (daemon && daemon->process.pid != getpid()) {
    std::cerr << DescribeDaemon(*daemon) << " manages this state; " << what
              << "\n";
  }
}

Status OpenStateReadOnly(const StateOptions& options,
                         std::unique_ptr<StateStore>* out) {
  StateOpenOptions open;
  open.create_if_missing = false;
  open.read_only = true;
  Status s = StateKeys(options, &open.keys);
  return s.ok() ? OpenStateStore(options.path, open, out) : s;
}

namespace {

// occam serve takes the lock for each round (a refresh and plan, and an
// apply when something changed) and lets it go: a command beside it waits
// for the round instead of failing at once, as `occam scale` beside serve
// did whenever it met a round.
constexpr std::chrono::seconds kServeRoundWait(60);

Status WaitForServeRound(StateStore* store, const StateOptions& options,
                         const std::string& operation, std::chrono::milliseconds waited,
                         std::unique_ptr<StateLock>* lock, LockInfo* stale, Status busy) {
  std::optional<LockInfo> holder;
  if (!store->CurrentLock(&holder).ok() || !holder || holder->operation != "serve" ||
      LockIsStale(*holder)) {
    return busy;
  }
  std::cerr << "occam: waiting for occam serve (process " << holder->pid
            << ") to finish its round and release the state lock\n";
  return StateLock::Acquire(store, ShownLocation(options.path), operation,
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                kServeRoundWait - waited),
                            lock, stale);
}

}  // namespace

Status LockState(StateStore* store, const StateOptions& options,
                 const std::string& operation,
                 std::unique_ptr<StateLock>* lock) {
  if (!options.lock) {
    if (operation == "plan") return Status::Ok();
    return Status::InvalidArgument(
        "occam " + operation + " changes the state and always takes its lock; "
        "-lock=false is only for plan");
  }
  std::chrono::milliseconds timeout;
  Status s = ParseDuration(options.lock_timeout, &timeout);
  LockInfo stale;
  if (s.ok()) {
    s = StateLock::Acquire(store, ShownLocation(options.path), operation, timeout, lock,
                           &stale);
  }
  if (s.code() == Status::Code::kBusy && timeout < kServeRoundWait) {
    s = WaitForServeRound(store, options, operation, timeout, lock, &stale, s);
  }
  if (s.ok() && !stale.id.empty()) {
    std::cerr << "occam: took over the state lock " << stale.id << " of "
              << stale.operation << " (process " << stale.pid << ", since "
              << FormatTimestamp(stale.since_ms)
              << "), which is no longer running\n";
  }
  return s;
}

ProviderOptions ProviderOptionsFor(const StateOptions& options) {
  ProviderOptions out;
  // A state in a database has no folder: the files are where occam runs.
  std::string dir = IsPostgresLocation(options.path)
                        ? ""
                        : std::filesystem::path(options.path).parent_path().string();
  out.state_dir = dir.empty() ? "." : dir;
  return out;
}

std::string BesideState(const StateOptions& options, const std::string& name) {
  return (std::filesystem::path(ProviderOptionsFor(options).state_dir) / name)
      .string();
}

void AddTargetsDirOption(CLI::App* command, std::string* dir) {
  command->add_option("--targets-dir", *dir,
                      "where to write the Prometheus file_sd targets of each "
                      "node type (default: occam-targets beside the state)");
}

std::string TargetsDir(const StateOptions& options, const std::string& option) {
  return option.empty() ? BesideState(options, "occam-targets") : option;
}

Status ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  long long number = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  std::string unit(ptr, end);
  long long scale = unit == "ms" ? 1
                    : unit == "s" || (unit.empty() && number == 0) ? 1000
                    : unit == "m"  ? 60000
                    : unit == "h"  ? 3600000
                                   : -1;
  if (ec != std::errc() || number < 0 || scale < 0) {
    return Status::InvalidArgument("'" + text +
                                   "' is not a duration; write 0, 500ms, 30s, "
                                   "2m or 1h");
  }
  *out = std::chrono::milliseconds(number * scale);
  return Status::Ok();
}

}  // namespace occam
