// What the state records: resource instances, desired counts per node type,
// the event log, and the identity of the state (lineage, serial, infra_id).
// Plain values, copied freely; StateStore (state_store.h) persists them.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "state/stored_json.h"

namespace occam {

enum class InstanceStatus {
  kCreating,  // intent recorded; the provider may or may not have made it
  kReady,     // created (and healthy, where a health check applies)
  kTainted,   // a failed or doubtful create: the next apply replaces it
  kDeleting,  // intent to delete recorded
  kGone,      // a refresh found the object gone (drift)
  kDrifted,   // a refresh found the object changed (outputs["drift"] says how)
};

std::string InstanceStatusName(InstanceStatus status);
std::optional<InstanceStatus> ParseInstanceStatus(const std::string& name);

// One instance of a node type: NODE[index].
struct ResourceInstance {
  std::string address;  // "app[2]"
  std::string node;     // "app"
  int index = 0;
  std::string provider;     // the resource type that made it: "process"
  std::string provider_id;  // the provider's id; "" until created
  InstanceStatus status = InstanceStatus::kReady;
  StoredJson attributes;  // configuration as applied
  StoredJson outputs;     // what the provider reported: ip, pid, port …
  // Mirror of `attributes`: true where a value is secret (masked when
  // shown).
  StoredJson sensitive;
  // Tags the provider put on the object so that it can be found again
  // (lineage and address).
  std::map<std::string, std::string> tags;
  // Node types this instance was built after, so that it can be deleted
  // before them even when its node type has left the descriptor.
  std::vector<std::string> dependencies;
  int64_t created_serial = 0;  // serial of the commit that created it
  bool remove_requested = false;  // a scale-down named this instance
  // The provider id of the object a create-before-destroy replaced, while
  // it still has to be deleted; "" when none.
  std::string deposed;

  bool operator==(const ResourceInstance&) const = default;
};

// The address of instance `index` of `node`: "app[2]".
std::string InstanceAddress(const std::string& node, int index);
// Splits "app[2]" into node and index; false when `address` is not one.
// Where an instance serves, from its provider's outputs: "ip:port", or
// "ip" when the provider reported no port; "" without an ip.
std::string InstanceEndpoint(const nlohmann::json& outputs);

bool ParseInstanceAddress(const std::string& address, std::string* node,
                          int* index);

// An entry of the event log: plans applied, scaling decisions with their
// cause, errors.
struct Event {
  int64_t id = 0;       // assigned by the store, increasing
  int64_t time_ms = 0;  // Unix time in milliseconds
  std::string kind;     // "scale", "apply", …
  std::string node;     // the node type concerned, or ""
  std::string message;  // one line for people
  nlohmann::json detail = nlohmann::json::object();  // cause, labels …

  bool operator==(const Event&) const = default;
};

struct StateSnapshot {
  std::string lineage;   // UUID fixed when the state was created
  int64_t serial = 0;    // grows by one with every commit
  std::string infra_id;  // the infrastructure's id, for templates and alerts
  std::map<std::string, ResourceInstance> instances;  // by address
  std::map<std::string, int> desired_counts;          // by node type
  // What the state records about the infrastructure as a whole
  // (state_settings.h names the keys): its lifecycle, the configuration
  // last applied, the daemon that serves it.
  std::map<std::string, std::string> settings;

  // Instances of `node`, ordered by index.
  std::vector<const ResourceInstance*> InstancesOf(const std::string& node) const;
};

// A set of changes committed together, in one transaction, as one serial.
struct StateChange {
  std::vector<ResourceInstance> put;  // insert or replace, by address
  std::vector<std::string> remove;    // addresses
  std::map<std::string, int> set_desired;
  std::vector<std::string> clear_desired;
  std::vector<Event> events;  // ids and times are assigned on commit if 0
  // Settings to write; an empty value removes the setting.
  std::map<std::string, std::string> set_settings;

  bool empty() const {
    return put.empty() && remove.empty() && set_desired.empty() &&
           clear_desired.empty() && events.empty() && set_settings.empty();
  }
};

// Applies `change` to `snapshot` in memory (serial not touched).
void ApplyChange(const StateChange& change, StateSnapshot* snapshot);
// The same, moving what `change` puts instead of copying it.
void ApplyChange(StateChange&& change, StateSnapshot* snapshot);

}  // namespace occam
