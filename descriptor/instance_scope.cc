#include "descriptor/instance_scope.h"

#include "base/sha256.h"
#include "descriptor/sensitive.h"
#include "state/state_snapshot.h"  // InstanceAddress

namespace occam {

std::string NodeId(const std::string& infra_id, const std::string& address) {
  std::string hex = Sha256Hex(infra_id + "/" + address);
  // Shaped as a version-5-like UUID.
  hex[12] = '5';
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

TemplateValue InstanceScope::Lookup(const std::vector<std::string>& path) const {
  const std::string& head = path[0];
  if (head == "variables" && path.size() > 1) return Variable(path);
  if (path.size() == 1) {
    if (head == "infra_name") return TemplateValue::Text(infra_.infra_name);
    if (head == "user_id") return TemplateValue::Text(infra_.user_id);
    if (head == "name") return TemplateValue::Text(node_.name);
    if (head == "infra_id") {
      return infra_.infra_id.empty() ? TemplateValue::Unknown()
                                     : TemplateValue::Text(infra_.infra_id);
    }
    if (head == "node_id") {
      named_instance_ = true;
      if (infra_.infra_id.empty() || index_ < 0) return TemplateValue::Unknown();
      return TemplateValue::Text(
          NodeId(infra_.infra_id, InstanceAddress(node_.name, index_)));
    }
    // The instance's own address and port, used in health-check URLs: the
    // health checker fills them in when the instance runs.
    if (head == "ip") return TemplateValue::Text("{{ip}}");
    if (head == "port") return TemplateValue::Text("{{port}}");
  }
  std::string name;
  for (const std::string& p : path) name += (name.empty() ? "" : ".") + p;
  return TemplateValue::Undefined(
      "undefined name '" + name +
      "'; templates see variables.NAME, infra_id, infra_name, user_id, "
      "node_id, name, ip and port");
}

TemplateValue InstanceScope::Variable(const std::vector<std::string>& path) const {
  const Value* v = &node_.variables;
  bool sensitive = false;
  std::string name = "variables";
  for (size_t i = 1; i < path.size(); ++i) {
    name += "." + path[i];
    v = v->is_mapping() ? v->Find(path[i]) : nullptr;
    if (!v) {
      return TemplateValue::Undefined("undefined variable '" + name +
                                      "'; define it under variables");
    }
    sensitive = sensitive || IsSensitiveName(path[i]);
  }
  if (v->is_mapping() || v->is_sequence()) {
    return TemplateValue::Undefined("variable '" + name + "' is " +
                                    v->KindName() +
                                    "; name one of its values");
  }
  // Rendered as Python renders what PyYAML read.
  std::string text = v->text();
  if (auto b = v->AsBool()) text = *b ? "True" : "False";
  if (v->is_null()) text = "None";
  return TemplateValue::Text(text, sensitive);
}

TemplateValue InstanceScope::Call(const std::string& function,
                                  const std::vector<std::string>& args) const {
  bool known = function == "getip" || function == "getprivip" ||
               function == "getipall";
  if (!known) {
    return TemplateValue::Undefined("unknown function '" + function +
                                    "'; occam supports getip, getprivip and "
                                    "getipall");
  }
  if (args.size() != 1) {
    return TemplateValue::Undefined(function +
                                    " takes one argument: a node name");
  }
  if (function == "getipall") return addresses_.AllIps(args[0]);
  return addresses_.Ip(args[0], function == "getprivip");
}

}  // namespace occam
