#include "providers/resource_schema.h"

namespace occam {
namespace {

using K = AttributeKind;

AttributeSpec Attr(std::string name, K kind, bool required) {
  AttributeSpec a;
  a.name = std::move(name);
  a.kind = kind;
  a.required = required;
  return a;
}
AttributeSpec Req(std::string name, K kind = K::kScalar) {
  return Attr(std::move(name), kind, true);
}
AttributeSpec Opt(std::string name, K kind = K::kScalar) {
  return Attr(std::move(name), kind, false);
}
AttributeSpec Secret(std::string name) {
  AttributeSpec a = Opt(std::move(name));
  a.sensitive = true;
  return a;
}

AttributeSpec Updatable(AttributeSpec a) {
  a.updatable = true;
  return a;
}

ResourceSchema Schema(std::string type, std::vector<AttributeSpec> attributes,
                      bool cloud = false) {
  ResourceSchema s;
  s.type = std::move(type);
  s.attributes = std::move(attributes);
  s.cloud = cloud;
  return s;
}

std::vector<ResourceSchema> MakeSchemas() {
  std::vector<ResourceSchema> s;
  s.push_back(Schema("ec2",
               {Req("endpoint"), Req("regionname"), Req("image_id"),
                Req("instance_type"), Opt("key_name"),
                Opt("security_group_ids", K::kList), Opt("subnet_id"),
                Opt("name"), Opt("tags", K::kMapping),
                // occam's: how long a create may wait for `running`.
                Opt("create_timeout", K::kNumber)},
                      true));
  s.push_back(Schema("nova",
               {Req("endpoint"), Req("image_id"), Req("flavor_name"),
                Req("project_id"), Opt("server_name"), Opt("key_name"),
                Opt("security_groups", K::kList), Opt("floating_ip"),
                Opt("floating_ip_pool"), Opt("name"), Opt("tenant_name"),
                Opt("user_domain_name"), Opt("network_id"),
                Opt("region_name"), Opt("volume_size", K::kNonNegativeInt),
                Opt("volume_persist", K::kBool)},
                      true));
  ResourceSchema azure = Schema("azure_vm",
               {Req("endpoint"), Req("resource_group"), Req("location"),
                Req("vm_size"), Req("publisher"), Req("offer"), Req("sku"),
                Req("version"), Req("username"), Secret("password"),
                Secret("ssh_key_data"), Opt("public_ip_needed", K::kBool),
                Opt("vnet_name"), Opt("subnet_name"), Opt("nic_name"),
                Opt("customdata"), Opt("server_name"), Opt("name")},
                      true);
  azure.one_of = {{"password", "ssh_key_data"}};
  s.push_back(azure);
  s.push_back(Schema("azure_aci",
               {Req("endpoint"), Req("resource_group"), Req("location"),
                Req("cpu_cores"), Req("memory"), Req("image"), Req("os_type"),
                Req("network_type"), Opt("gpu_type"), Opt("gpu_count"),
                Opt("ports", K::kList), Opt("vnet_name"), Opt("subnet_name"),
                Opt("name")},
                      true));
  AttributeSpec broker = Req("description", K::kMapping);
  broker.required_keys = {"deployment_id", "instance_type_id"};
  s.push_back(Schema("cloudbroker",
               {Req("endpoint"), broker, Opt("name"),
                Opt("start_in_vpc", K::kBool)},
                      true));
  AttributeSpec sigma = Req("description", K::kMapping);
  sigma.required_keys = {"cpu", "mem", "vnc_password"};
  s.push_back(Schema("cloudsigma",
               {Req("endpoint"), Req("libdrive_id"), sigma, Opt("name")},
                      true));
  // `files` are written before the process (or container) starts; with
  // `reload` a change to them only rewrites them and reloads it.
  AttributeSpec files = Opt("files", K::kMapping);
  files.updatable_with = "reload";
  files.paths = AttributeSpec::Paths::kAbsolute;
  AttributeSpec process_files = files;
  process_files.paths = AttributeSpec::Paths::kRelative;
  AttributeSpec service_files = Updatable(Opt("files", K::kMapping));
  service_files.paths = AttributeSpec::Paths::kAbsolute;
  // Occopus's docker resource; ports, grace_period, files and reload are
  // occam's.
  s.push_back(Schema("docker",
               {Req("endpoint"), Req("origin"), Req("image"), Req("tag"),
                Opt("name"), Opt("ports", K::kList),
                Opt("grace_period", K::kNumber), files,
                Opt("reload", K::kMapping)}));
  ResourceSchema occi = Schema("occi", {Req("endpoint"), Req("os_tpl"),
                                        Req("resource_tpl"), Opt("link", K::kAny),
                                        Opt("public_key"), Opt("name")});
  occi.removed = "OCCI support was removed from Occopus in 2020; use ec2 or "
                 "nova for the same cloud";
  s.push_back(occi);
  // occam's own providers.
  s.push_back(Schema("dummy",
               {Opt("name"), Updatable(Opt("delay", K::kNumber)),
                Updatable(Opt("fail", K::kBool)),
                Updatable(Opt("attributes", K::kMapping))}));
  s.push_back(Schema("process",
               {Req("command", K::kScalarOrList), Opt("name"),
                Opt("env", K::kMapping), Opt("working_dir"),
                Opt("port_range", K::kScalar),
                Opt("grace_period", K::kNumber), process_files,
                Opt("reload", K::kMapping)}));
  // `replicas` is the node type's count, set by the planner.
  s.push_back(Schema("docker_service",
               {Updatable(Req("image")), Updatable(Opt("tag")), Opt("endpoint"),
                Opt("origin"), Opt("name"), Opt("mode"),
                Updatable(Opt("ports", K::kList)),
                Updatable(Opt("env", K::kAny)),
                Updatable(Opt("command", K::kScalarOrList)),
                Updatable(Opt("replicas", K::kNonNegativeInt)),
                service_files,
                Updatable(Opt("converge_timeout", K::kNumber))}));
  s.push_back(Schema("exec",
               {Req("program", K::kScalarOrList), Opt("name"),
                Opt("config", K::kAny)}));
  return s;
}

const std::vector<ResourceSchema>& Schemas() {
  static const std::vector<ResourceSchema> schemas = MakeSchemas();
  return schemas;
}

}  // namespace

const AttributeSpec* ResourceSchema::Find(const std::string& name) const {
  for (const AttributeSpec& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::vector<std::string> ResourceSchema::AttributeNames() const {
  std::vector<std::string> names{"type"};
  for (const AttributeSpec& a : attributes) names.push_back(a.name);
  return names;
}

const ResourceSchema* FindResourceSchema(const std::string& type) {
  for (const ResourceSchema& s : Schemas()) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

std::vector<std::string> ResourceTypeNames() {
  std::vector<std::string> names;
  for (const ResourceSchema& s : Schemas()) {
    if (s.removed.empty()) names.push_back(s.type);
  }
  return names;
}

}  // namespace occam

namespace occam {

std::string FilePathProblem(const std::string& path, AttributeSpec::Paths rule) {
  if (rule == AttributeSpec::Paths::kAny) return "";
  bool dots = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    dots = dots || path.compare(start, end - start, "..") == 0;
    start = end + 1;
  }
  if (rule == AttributeSpec::Paths::kAbsolute) {
    if (path.empty() || path[0] != '/' || dots) {
      return "must be an absolute path in the container, without '..'";
    }
    return "";
  }
  if (path.empty() || path[0] == '/' || dots) {
    return "must be a relative path inside the working directory, without '..'";
  }
  return "";
}

}  // namespace occam
