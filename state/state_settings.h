// The settings a state records about its infrastructure as a whole
// (StateSnapshot::settings), shared by the CLI and occam serve so that they
// agree on what is wanted: its lifecycle (an apply makes it active, a
// destroy destroyed — and serve does not rebuild a destroyed one), the
// configuration last applied (serve follows it), and the daemon serving
// it (one per state).
#pragma once

#include <optional>
#include <string>

#include "state/state_snapshot.h"
#include "state/state_store.h"

namespace occam {

// active | destroying (occam serve was asked to destroy it: its next round
// does) | destroyed.
inline constexpr char kLifecycleSetting[] = "lifecycle";
inline constexpr char kAppliedDigestSetting[] = "applied_digest";
// JSON: {"infra_file", "nodes_file", "var_assignments", "var_files"}.
inline constexpr char kAppliedSourceSetting[] = "applied_source";
inline constexpr char kDaemonSetting[] = "daemon";  // JSON: DaemonLease
// The id of the key the state's secrets are sealed with (sealing_state_store.h);
// absent while they are stored in plain text.
inline constexpr char kStateKeySetting[] = "state_key";

bool IsDestroyed(const StateSnapshot& state);
bool IsDestroying(const StateSnapshot& state);

// Which occam serve manages a state: its process (as a lock names its
// holder) and where it listens.
struct DaemonLease {
  LockInfo process;
  std::string listen;  // "http://127.0.0.1:9798"
};

std::string DaemonLeaseToJson(const DaemonLease& lease);
// The lease recorded in `state`, whether or not its process runs.
std::optional<DaemonLease> RecordedDaemon(const StateSnapshot& state);
// The lease recorded in `state` when its process still runs on this host.
std::optional<DaemonLease> LiveDaemon(const StateSnapshot& state);
// "occam serve (pid 123, http://127.0.0.1:9798)".
std::string DescribeDaemon(const DaemonLease& lease);

}  // namespace occam
