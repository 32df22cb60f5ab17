#include "descriptor/instance_scope.h"

#include <algorithm>

#include "base/sha256.h"
#include "state/state_snapshot.h"  // InstanceAddress

namespace occam {

std::string NodeId(const std::string& infra_id, const std::string& address) {
  std::string hex = Sha256Hex(infra_id + "/" + address);
  // Shaped as a version-5-like UUID.
  hex[12] = '5';
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

TemplateValue PuppetData(const TemplateValue& config_management) {
  TemplateValue::Map puppet;
  for (const char* key : {"modules", "manifests", "attributes"}) {
    std::string joined;
    std::optional<TemplateValue> v = config_management.Member(key);
    // Occopus: ' '.join(str(k) for k in section) when the section is set.
    if (v && v->Truthy()) {
      std::optional<TemplateValue::List> items = v->Iterate();
      if (!items) items = TemplateValue::List{*v};
      for (size_t i = 0; i < items->size(); ++i) {
        joined += (i ? " " : "") + (*items)[i].Str();
      }
    }
    puppet.emplace_back(key, TemplateValue::String(joined, v && v->sensitive()));
  }
  return TemplateValue::FromMap(std::move(puppet));
}

TemplateValue PuppetData(const Value& config_management) {
  return PuppetData(TemplateValue::FromYaml(config_management));
}

TemplateValue InstanceScope::NodeId() const {
  named_instance_ = true;
  if (infra_.infra_id.empty() || index_ < 0) return TemplateValue::Unknown();
  return TemplateValue::String(
      occam::NodeId(infra_.infra_id, InstanceAddress(node_.name, index_)));
}

TemplateValue InstanceScope::Lookup(const std::string& name) const {
  const Implementation& impl = node_.implementation;
  if (name == "variables") {
    return node_.variables.is_mapping()
               ? TemplateValue::FromYaml(node_.variables)
               : TemplateValue::FromMap({});
  }
  if (name == "node_id") return NodeId();
  if (name == "name") return TemplateValue::String(node_.name);
  if (name == "type") return TemplateValue::String(node_.type);
  if (name == "infra_name") return TemplateValue::String(infra_.infra_name);
  if (name == "user_id") return TemplateValue::String(infra_.user_id);
  if (name == "infra_id") {
    return infra_.infra_id.empty() ? TemplateValue::Unknown()
                                   : TemplateValue::String(infra_.infra_id);
  }
  // As written, as Occopus passes the node's description: undefined when
  // the node has no `scaling:`.
  if (name == "scaling") {
    return node_.scaling_written.is_null() ? TemplateValue::Undefined(name)
                                           : TemplateValue::FromYaml(node_.scaling_written);
  }
  for (auto [key, section] :
       {std::pair{"filter", &node_.filter}, std::pair{"resource", &impl.resource},
        std::pair{"contextualisation", &impl.contextualisation},
        std::pair{"config_management", &impl.config_management},
        std::pair{"health_check", &impl.health_check}}) {
    if (name == key && !section->is_null()) return TemplateValue::FromYaml(*section);
  }
  if (name == "puppet" && impl.config_management.is_mapping()) {
    const Value* type = impl.config_management.Find("type");
    if (type && type->text() == "puppet_solo") {
      return PuppetData(impl.config_management);
    }
  }
  // The instance's own address and port, used in health-check URLs: the
  // health checker fills them in when the instance runs.
  if (name == "ip") return TemplateValue::String("{{ip}}");
  if (name == "port") return TemplateValue::String("{{port}}");
  return TemplateValue::Undefined(name);
}

std::string InstanceScope::NodeArgument(const std::string& function,
                                        const std::vector<TemplateValue>& args,
                                        std::string* error,
                                        std::string* warning) const {
  if (args.size() != 1) {
    *error = function + " takes one argument: a node name, such as " +
             function + "('db')";
    return "";
  }
  const TemplateValue& arg = args[0];
  if (!arg.is_undefined()) {
    if (arg.kind() != TemplateValue::Kind::kString) {
      *error = function + " takes a node name, not " + arg.TypeName();
      return "";
    }
    return arg.text();
  }
  // An unquoted name: Occopus passes Jinja's Undefined, which matches the
  // infrastructure's first node. When the name is a node's, that is what
  // the author meant.
  const std::vector<std::string>& nodes = infra_.node_names;
  if (std::find(nodes.begin(), nodes.end(), arg.text()) != nodes.end()) {
    *warning = function + "(" + arg.text() + "): '" + arg.text() +
               "' is not a defined name; occam reads it as the node '" +
               arg.text() + "' (Occopus would take the first node); quote it: " +
               function + "('" + arg.text() + "')";
    return arg.text();
  }
  if (nodes.empty()) {
    *error = function + "(" + arg.text() + "): '" + arg.text() + "' is undefined";
    return "";
  }
  *warning = function + "(" + arg.text() + "): '" + arg.text() +
             "' is undefined and names no node; as Occopus does, occam takes "
             "the infrastructure's first node, '" + nodes.front() +
             "'; quote the node name you mean";
  return nodes.front();
}

// getport('db'): occam's; the port of the node type's first instance, from
// its endpoint "ip:port".
TemplateValue InstanceScope::FirstPort(const std::string& node, std::string* error) const {
  TemplateValue endpoints = addresses_.AllIps(node, /*endpoints=*/true, error);
  if (!error->empty() || endpoints.kind() != TemplateValue::Kind::kList) return endpoints;
  std::optional<TemplateValue> item = endpoints.Item(0);
  if (!item || item->kind() != TemplateValue::Kind::kString) return TemplateValue::Unknown();
  const std::string first = item->text();
  size_t colon = first.rfind(':');
  if (colon == std::string::npos) {
    *error = "getport('" + node + "'): " + node + "'s instances report no port "
             "(give its resource a port_range, or ports)";
    return TemplateValue();
  }
  return TemplateValue::String(first.substr(colon + 1));
}

TemplateValue InstanceScope::Call(const std::string& function,
                                  const std::vector<TemplateValue>& args,
                                  std::string* error,
                                  std::string* warning) const {
  if (function == "getip" || function == "getprivip" ||
      function == "getipall" || function == "getendpoints" ||
      function == "find_node_id" || function == "getport") {
    std::string node = NodeArgument(function, args, error, warning);
    if (node.empty()) return TemplateValue();
    if (function == "getipall" || function == "getendpoints") {
      return addresses_.AllIps(node, function == "getendpoints", error);
    }
    if (function == "getport") return FirstPort(node, error);
    TemplateValue ip = addresses_.Ip(node, function == "getprivip", error);
    if (function != "find_node_id" || !error->empty()) return ip;
    if (infra_.infra_id.empty()) return TemplateValue::Unknown();
    return TemplateValue::FromMap(
        {{"node_id", TemplateValue::String(occam::NodeId(
                         infra_.infra_id, InstanceAddress(node, 0)))},
         {"name", TemplateValue::String(node)},
         {"infra_id", TemplateValue::String(infra_.infra_id)}});
  }
  if (function == "cut") {
    bool ok = args.size() == 3 && args[0].kind() == TemplateValue::Kind::kString &&
              args[1].kind() == TemplateValue::Kind::kInt &&
              args[2].kind() == TemplateValue::Kind::kInt;
    if (!ok) {
      *error = "cut takes a string and two whole numbers: cut(s, a, b) is s[a:b]";
      return TemplateValue();
    }
    long long size = static_cast<long long>(args[0].text().size());
    auto clamp = [size](long long v) {
      if (v < 0) v += size;
      return std::clamp(v, 0LL, size);
    };
    long long a = clamp(args[1].number()), b = clamp(args[2].number());
    return TemplateValue::String(
        b > a ? args[0].text().substr(static_cast<size_t>(a), static_cast<size_t>(b - a))
              : "",
        args[0].sensitive());
  }
  if (function == "ibget" || function == "cmd") {
    *error = function + "() reads Occopus's internal information broker, "
             "which occam does not have; use getip, getipall or variables";
    return TemplateValue();
  }
  *error = "unknown function '" + function +
           "'; occam supports getip, getprivip, getipall, getendpoints, "
           "getport, find_node_id and cut";
  return TemplateValue();
}

}  // namespace occam
