// The on-disk format of an occam state file (see docs/state.md): an SQLite
// database marked with occam's application id, its schema versioned with
// PRAGMA user_version and brought up to date by ordered migrations.
#pragma once

#include <string>
#include <vector>

namespace occam {

// PRAGMA application_id of every occam state file: "occm".
constexpr int kStateApplicationId = 0x6f63636d;

// Migration i (counting from 1) turns schema version i-1 into version i.
// Never edit a released migration: add a new one.
const std::vector<std::string>& StateMigrations();

// The schema version this occam writes.
int CurrentStateSchemaVersion();

}  // namespace occam
