// The attributes each resource type accepts: Occopus's cloud types as
// Occopus 1.10 defines them, and occam's own provider types. The compiler
// checks descriptors against these; providers add behaviour (which
// attributes update in place, which are secret) to the same table.
#pragma once

#include <string>
#include <vector>

namespace occam {

enum class AttributeKind {
  kAny,
  kScalar,          // a string or number
  kBool,
  kNonNegativeInt,
  kNumber,
  kList,
  kMapping,
  kScalarOrList,    // a command: "sh -c x" or [sh, -c, x]
};

struct AttributeSpec {
  std::string name;
  AttributeKind kind = AttributeKind::kScalar;
  bool required = false;
  bool sensitive = false;  // masked in every output
  bool updatable = false;  // changes in place instead of replacing
  // Changes in place only when the resource also sets this attribute
  // (process `files` with `reload`: written, then the process reloads).
  std::string updatable_with;
  // For mappings with known keys (cloudbroker's `description`): keys that
  // must be present. Other keys are allowed, as Occopus passes them on.
  std::vector<std::string> required_keys;
  // For a mapping of files (`files`): what its keys must be, checked at
  // validate as the provider checks them at apply.
  enum class Paths { kAny, kAbsolute, kRelative };
  Paths paths = Paths::kAny;
};

// Why `path` cannot be a key of a files mapping under `rule` ("" when it
// can): absolute in the container, or relative inside the working
// directory; never through '..'.
std::string FilePathProblem(const std::string& path, AttributeSpec::Paths rule);

struct ResourceSchema {
  std::string type;
  std::vector<AttributeSpec> attributes;
  // Groups of which at least one key must be set (azure_vm: password or
  // ssh_key_data).
  std::vector<std::vector<std::string>> one_of;
  // Occopus's cloud types: validated and planned; applying them needs a
  // provider that occam does not have yet.
  bool cloud = false;
  // Set when the type is no longer accepted; says what to use instead.
  std::string removed;

  const AttributeSpec* Find(const std::string& name) const;
  std::vector<std::string> AttributeNames() const;
};

// The schema of resource type `type`, or nullptr when no such type exists.
const ResourceSchema* FindResourceSchema(const std::string& type);
// Every known type, in a stable order, for messages.
std::vector<std::string> ResourceTypeNames();

}  // namespace occam
