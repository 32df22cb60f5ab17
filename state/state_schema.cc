#include "state/state_schema.h"

namespace occam {

const std::vector<std::string>& StateMigrations() {
  static const std::vector<std::string> migrations = {
      // 1: identity, instances, desired counts, event log.
      R"sql(
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE instances (
          address TEXT PRIMARY KEY,
          node TEXT NOT NULL,
          idx INTEGER NOT NULL,
          provider TEXT NOT NULL,
          provider_id TEXT NOT NULL,
          status TEXT NOT NULL,
          attributes TEXT NOT NULL,
          outputs TEXT NOT NULL,
          created_serial INTEGER NOT NULL);
        CREATE TABLE desired_counts (
          node TEXT PRIMARY KEY,
          count INTEGER NOT NULL);
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          time_ms INTEGER NOT NULL,
          kind TEXT NOT NULL,
          node TEXT NOT NULL,
          message TEXT NOT NULL,
          detail TEXT NOT NULL);
      )sql",
      // 2: ownership tags, secrets, dependencies and named removals on
      // instances; the state lock.
      R"sql(
        ALTER TABLE instances ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE instances ADD COLUMN sensitive TEXT NOT NULL
          DEFAULT '{}';
        ALTER TABLE instances ADD COLUMN dependencies TEXT NOT NULL
          DEFAULT '[]';
        ALTER TABLE instances ADD COLUMN remove_requested INTEGER NOT NULL
          DEFAULT 0;
        CREATE TABLE lock (
          singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
          id TEXT NOT NULL,
          operation TEXT NOT NULL,
          who TEXT NOT NULL,
          host TEXT NOT NULL,
          pid INTEGER NOT NULL,
          process_start INTEGER NOT NULL,
          since_ms INTEGER NOT NULL);
      )sql",
      // 3: the object a create-before-destroy replacement deposed, until it
      // is deleted.
      R"sql(
        ALTER TABLE instances ADD COLUMN deposed TEXT NOT NULL DEFAULT '';
      )sql",
  };
  return migrations;
}

int CurrentStateSchemaVersion() {
  return static_cast<int>(StateMigrations().size());
}

}  // namespace occam
