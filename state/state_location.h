// Where a state lives, as --state names it: a file (SQLite; the default
// occam.db) or a PostgreSQL database (postgres://… or postgresql://…, with
// an optional `schema=NAME` parameter: one schema per state, default
// "occam"). OpenStateStore opens either.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "state/secret_key.h"
#include "state/state_store.h"

namespace occam {

struct StateOpenOptions {
  // Create a new state when the file does not exist (or is empty).
  bool create_if_missing = true;
  // The infra_id of a new state; a new UUID when "".
  std::string infra_id;
  // Only read (state list, state show, history, plan -lock=false): works
  // where the file or its folder cannot be written. Never creates,
  // upgrades or writes.
  bool read_only = false;
  // The keys that seal and open the state's secrets (sealing_state_store.h);
  // none: secrets are stored as the state stores them now.
  SecretKeyring keys;
};

// True for postgres:// and postgresql:// locations.
bool IsPostgresLocation(const std::string& location);

// A PostgreSQL location split: what libpq connects with, and the schema.
struct PostgresLocation {
  std::string conninfo;  // the URI without occam's `schema` parameter
  std::string schema;    // default "occam"
  std::string shown;     // for messages: the password replaced by ***
};
Status ParsePostgresLocation(const std::string& location,
                             PostgresLocation* out);

// `location` as messages show it: a URI's password replaced by ***.
std::string ShownLocation(const std::string& location);

// Opens the state at `location` with the store its scheme names, behind a
// SealingStateStore holding `options.keys`.
Status OpenStateStore(const std::string& location,
                      const StateOpenOptions& options,
                      std::unique_ptr<StateStore>* out);

}  // namespace occam
