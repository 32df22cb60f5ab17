// What the state says about where things run, in Terraform's shapes: each
// node type as an output (its instances with their ids, addresses, ports
// and endpoints) for `occam output`, apply -json's "outputs" message and
// `show -json`; and the state as Terraform's state representation
// (format 1.0) for `show -json`.
#pragma once

#include <nlohmann/json.hpp>

#include "state/state_snapshot.h"

namespace occam {

// One node type's instances, in index order: [{"address", "index", "id",
// "status", "endpoint", and the provider's outputs (ip, private_ip, port,
// ports, pid …)}].
nlohmann::json NodeOutputValue(const StateSnapshot& state, const std::string& node);

// Terraform's `output -json`: {"NODE": {"sensitive": false, "type": …,
// "value": NodeOutputValue}} for every node type with instances.
nlohmann::json OutputsJson(const StateSnapshot& state);

// Terraform's type of a JSON value, as `output -json` gives it: "string",
// "number", "bool", ["tuple", […]], ["object", {…}].
nlohmann::json CtyType(const nlohmann::json& value);

// One instance as `state show` prints it: resource "TYPE" "NODE" { … },
// sensitive values masked.
std::string InstanceText(const ResourceInstance& r);

// Terraform's state representation: {"format_version": "1.0",
// "terraform_version", "values": {"outputs", "root_module": {"resources"}}}
// with sensitive values masked.
nlohmann::json StateJson(const StateSnapshot& state);

}  // namespace occam
