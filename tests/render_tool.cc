// What occam renders, for the tests that compare it with Occopus's own
// algorithm run on Debian's python3-ruamel.yaml and python3-jinja2
// (scripts/check-occopus-rendering):
//   render_tool dump FILE      FILE's YAML dumped as Occopus dumps it
//   render_tool configs INFRA  every node type's configuration (instance 0)
//                              as JSON, with the addresses below, its
//                              warnings and errors, and the dumped text of
//                              a mapping context
// Addresses: getip(N) is 192.168.0.K and getprivip(N) 10.0.0.K, where K-1
// is N's index among the nodes; getipall(N) is [getip(N)]. The
// infrastructure id is "infra-1".
#include <fstream>
#include <iostream>
#include <sstream>

#include "descriptor/compiler.h"
#include "descriptor/instance_config.h"
#include "descriptor/instance_scope.h"
#include "descriptor/yaml_reader.h"
#include "template/yaml_dump.h"

namespace occam {
namespace {

class FixedAddresses : public AddressBook {
 public:
  explicit FixedAddresses(const Descriptor& d) : d_(d) {}
  TemplateValue Ip(const std::string& node, bool private_ip,
                   std::string* error) const override {
    int index = d_.FindNode(node);
    if (index < 0) {
      *error = "no node named '" + node + "'";
      return TemplateValue();
    }
    return TemplateValue::String((private_ip ? "10.0.0." : "192.168.0.") +
                                 std::to_string(index + 1));
  }
  TemplateValue AllIps(const std::string& node, bool,
                       std::string* error) const override {
    TemplateValue ip = Ip(node, false, error);
    return error->empty() ? TemplateValue::FromList({ip}) : ip;
  }

 private:
  const Descriptor& d_;
};

int Dump(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  Value value;
  Diagnostics diags;
  if (!ReadYaml(text.str(), std::make_shared<const std::string>(path), YamlLimits{},
                &value, &diags)) {
    std::cerr << diags.ToString();
    return 1;
  }
  std::cout << DumpYaml(value).text;
  return 0;
}

int Configs(const std::string& infra_path) {
  CompileOptions options;
  options.infra_path = infra_path;
  Descriptor descriptor;
  NodeGraph graph;
  Diagnostics diags;
  if (!CompileDescriptor(options, &descriptor, &graph, &diags)) {
    std::cerr << diags.ToString();
    return 1;
  }
  InfraIdentity infra{"infra-1", descriptor.infra_name, descriptor.user_id,
                      descriptor.NodeNames()};
  FixedAddresses book(descriptor);
  nlohmann::json out = nlohmann::json::object();
  for (const NodeSpec& node : descriptor.nodes) {
    InstanceConfig config;
    Diagnostics node_diags;
    bool ok = RenderInstanceConfig(node, InstanceScope(infra, node, 0, book), &config,
                                   &node_diags);
    out[node.name] = ok ? config.value : nlohmann::json{{"error", node_diags.ToString()}};
    out[node.name]["warnings"] = node_diags.WarningsToString();
    // The text occam renders for a mapping context, for the check of what
    // occam renders where Occopus's own dump breaks the template.
    const Value* context = node.implementation.contextualisation.Find("context_template");
    if (context && context->is_mapping()) {
      out[node.name]["dumped_context"] = "#cloud-config\n" + DumpYaml(*context).text;
    }
  }
  std::cout << out.dump(1) << "\n";
  return 0;
}

}  // namespace
}  // namespace occam

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "dump") return occam::Dump(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "configs") return occam::Configs(argv[2]);
  std::cerr << "usage: render_tool dump FILE | configs INFRA\n";
  return 2;
}
