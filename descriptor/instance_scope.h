// What a template sees while one instance of a node type is rendered:
// Occopus's names (variables, infra_id, infra_name, user_id, node_id, name,
// ip) and functions (getip, getprivip, getipall).
#pragma once

#include <string>

#include "descriptor/descriptor.h"
#include "descriptor/template.h"

namespace occam {

struct InfraIdentity {
  std::string infra_id;  // "" while compiling (no state yet): unknown
  std::string infra_name;
  std::string user_id;
};

// Answers getip/getprivip/getipall for a node type.
class AddressBook {
 public:
  virtual ~AddressBook() = default;
  // The address of the node type's first instance.
  virtual TemplateValue Ip(const std::string& node, bool private_ip) const = 0;
  // Every instance's address, as a Python list literal.
  virtual TemplateValue AllIps(const std::string& node) const = 0;
};

class InstanceScope : public TemplateScope {
 public:
  // `index` is the instance's index, or -1 when rendering for a check
  // before instances exist.
  InstanceScope(const InfraIdentity& infra, const NodeSpec& node, int index,
                const AddressBook& addresses)
      : infra_(infra), node_(node), index_(index), addresses_(addresses) {}

  TemplateValue Lookup(const std::vector<std::string>& path) const override;
  // Whether a template named this very instance (node_id), so that the
  // rendering differs between instances of the node type.
  bool named_instance() const { return named_instance_; }
  TemplateValue Call(const std::string& function,
                     const std::vector<std::string>& args) const override;

 private:
  TemplateValue Variable(const std::vector<std::string>& path) const;

  const InfraIdentity& infra_;
  const NodeSpec& node_;
  int index_;
  const AddressBook& addresses_;
  mutable bool named_instance_ = false;
};

// Occopus gives every node instance a UUID; occam derives it from the
// infrastructure id and the instance address, so it is known when planning
// and stable across runs.
std::string NodeId(const std::string& infra_id, const std::string& address);

}  // namespace occam
