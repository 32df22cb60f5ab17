// The options of commands that use the state: --state, --lock-timeout and
// (where a state may be created) --infra-id; and opening the state they
// name.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "providers/provider.h"
#include "state/state_location.h"
#include "state/state_lock.h"

namespace occam {

struct StateOptions {
  std::string path = "occam.db";
  std::string lock_timeout = "0s";
  std::string infra_id;  // only when the state is created
  // -lock=false: read without the state lock (plan only; commands that
  // change the state refuse it).
  bool lock = true;
  // --state-key-file: the key that seals the state's secrets (else
  // OCCAM_STATE_KEY or OCCAM_STATE_KEY_FILE; docs/state.md).
  std::string key_file;
};

void AddStateOptions(CLI::App* command, StateOptions* options,
                     bool can_create);

// The state keys the command was given (secret_key.h).
Status StateKeys(const StateOptions& options, SecretKeyring* keys);

// Opens the state at options.path; creates it when `create` and missing.
Status OpenState(const StateOptions& options, bool create,
                 std::unique_ptr<StateStore>* out);

// Opens an existing state only to read it: works where the file or its
// folder cannot be written (state list/show, history, plan -lock=false).
Status OpenStateReadOnly(const StateOptions& options,
                         std::unique_ptr<StateStore>* out);

// Takes the state's lock for `operation`, waiting up to --lock-timeout. A
// lock left by an occam of this host that has ended is taken over, and
// one line on stderr says so: after a kill -9 the next command converges
// without a manual step. With -lock=false, a "plan" takes no lock and
// `*lock` stays null; any other operation is refused.
Status LockState(StateStore* store, const StateOptions& options,
                 const std::string& operation,
                 std::unique_ptr<StateLock>* lock);

// Opens the existing state, takes its lock for `operation`, loads it, says
// so when an occam serve manages it, and runs body(store, state): the
// frame of every command that changes the state by hand.
Status WithLockedState(
    const StateOptions& options, const std::string& operation,
    const std::function<Status(StateStore*, StateSnapshot*)>& body);

// One line on stderr when an occam serve manages `state`: the change being
// made (`what`: "it will follow this change") reaches the daemon.
void NoteDaemon(const StateSnapshot& state, const std::string& what);

// What providers may use: the state file's folder for their files.
ProviderOptions ProviderOptionsFor(const StateOptions& options);
// `name` in the state file's folder: occam-serve.token, occam-targets.
std::string BesideState(const StateOptions& options, const std::string& name);
// --targets-dir DIR: where apply, destroy and serve write the Prometheus
// file_sd targets ("" : occam-targets beside the state).
void AddTargetsDirOption(CLI::App* command, std::string* dir);
std::string TargetsDir(const StateOptions& options, const std::string& option);

// "0", "500ms", "30s", "2m", "1h" → milliseconds.
Status ParseDuration(const std::string& text, std::chrono::milliseconds* out);

}  // namespace occam
