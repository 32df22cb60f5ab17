// What a template sees while one instance of a node type is rendered, as
// Occopus's Jinja data: node_id, the node's entry in the infrastructure
// (name, type, scaling, variables, filter, infra_id, infra_name, user_id),
// its node definition (resource, contextualisation, config_management,
// health_check), puppet.* for puppet_solo, and the functions getip,
// getprivip, getipall, find_node_id and cut — and occam's getendpoints
// (every instance's "ip:port", for a load balancer's configuration).
#pragma once

#include <string>
#include <vector>

#include "descriptor/descriptor.h"
#include "template/template.h"

namespace occam {

struct InfraIdentity {
  std::string infra_id;  // "" while compiling (no state yet): unknown
  std::string infra_name;
  std::string user_id;
  std::vector<std::string> node_names;  // in written order
};

// Answers getip/getprivip/getipall for a node type (a name of the
// infrastructure). Sets `*error` when the node cannot be named.
class AddressBook {
 public:
  virtual ~AddressBook() = default;
  // The address of the node type's first instance.
  virtual TemplateValue Ip(const std::string& node, bool private_ip,
                           std::string* error) const = 0;
  // Every instance's address, a list of strings; with `endpoints`, each
  // as "ip:port" (InstanceEndpoint): getendpoints.
  virtual TemplateValue AllIps(const std::string& node, bool endpoints,
                               std::string* error) const = 0;
};

class InstanceScope : public TemplateScope {
 public:
  // `index` is the instance's index, or -1 when rendering for a check
  // before instances exist.
  InstanceScope(const InfraIdentity& infra, const NodeSpec& node, int index,
                const AddressBook& addresses)
      : infra_(infra), node_(node), index_(index), addresses_(addresses) {}

  TemplateValue Lookup(const std::string& name) const override;
  TemplateValue Call(const std::string& function,
                     const std::vector<TemplateValue>& args, std::string* error,
                     std::string* warning) const override;
  // Whether a template named this very instance (node_id), so that the
  // rendering differs between instances of the node type.
  bool named_instance() const { return named_instance_; }

 private:
  TemplateValue FirstPort(const std::string& node, std::string* error) const;
  TemplateValue NodeId() const;
  // The node a node function's argument names; "" with `*error` set.
  std::string NodeArgument(const std::string& function,
                           const std::vector<TemplateValue>& args,
                           std::string* error, std::string* warning) const;

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

// Occopus's puppet_solo plugin data: {modules, manifests, attributes}, each
// the section's list (or mapping keys) joined with spaces, "" when absent.
// Occopus builds it from the rendered section (RenderInstanceConfig).
TemplateValue PuppetData(const TemplateValue& config_management);
TemplateValue PuppetData(const Value& config_management);

}  // namespace occam
