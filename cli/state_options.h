// The options of commands that use the state: --state, --lock-timeout and
// (where a state may be created) --infra-id; and opening the state they
// name.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "base/status.h"
#include "providers/provider.h"
#include "state/sqlite_state_store.h"

namespace occam {

struct StateOptions {
  std::string path = "occam.db";
  std::string lock_timeout = "0s";
  std::string infra_id;  // only when the state is created
};

void AddStateOptions(CLI::App* command, StateOptions* options,
                     bool can_create);

// Opens the state at options.path; creates it when `create` and missing.
Status OpenState(const StateOptions& options, bool create,
                 std::unique_ptr<SqliteStateStore>* out);

// What providers may use: the state file's folder for their files.
ProviderOptions ProviderOptionsFor(const StateOptions& options);

// "0", "500ms", "30s", "2m", "1h" → milliseconds.
Status ParseDuration(const std::string& text, std::chrono::milliseconds* out);

}  // namespace occam
