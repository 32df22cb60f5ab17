#include "base/utf8.h"
#include "descriptor/compiler.h"

#include <filesystem>
#include <future>
#include <set>

#include "base/spelling.h"
#include "descriptor/infrastructure.h"
#include "descriptor/instance_config.h"
#include "descriptor/instance_scope.h"
#include "descriptor/node_definitions.h"

namespace occam {
namespace fs = std::filesystem;
namespace {

// True when every key of `filter` is in `resource` with the same value
// (Occopus's sub-dictionary match).
bool FilterMatches(const Value& filter, const Value& resource) {
  for (const Value::Entry& e : filter.entries()) {
    const Value* mine = resource.Find(e.key);
    if (!mine || !mine->SameContent(e.value)) return false;
  }
  return true;
}

std::vector<std::string> DefinitionNames(const NodeDefinitions& defs) {
  std::vector<std::string> names;
  for (const auto& [type, def] : defs) names.push_back(type);
  return names;
}

// Gives `node` its implementation and merged variables.
void LinkNode(const Descriptor& d, const NodeDefinitions& defs,
              NodeSpec* node, Diagnostics* diags) {
  node->variables = DeepMerge(d.variables, node->variables);
  if (node->type.empty()) return;
  auto def = defs.find(node->type);
  if (def == defs.end()) {
    std::string hint = DidYouMean(node->type, DefinitionNames(defs));
    if (hint.empty()) hint = "; add it, or correct the type";
    diags->Error(node->mark, "node '" + Excerpt(node->name) + "' has type '" +
                                 Excerpt(node->type) + "', but " + d.nodes_file +
                                 " has no 'node_def:" + Excerpt(node->type) + "'" +
                                 hint);
    return;
  }
  const std::vector<Implementation>& impls = def->second.implementations;
  node->implementation_count = static_cast<int>(impls.size());
  for (size_t i = 0; i < impls.size(); ++i) {
    if (node->filter.is_null() || FilterMatches(node->filter, impls[i].resource)) {
      node->implementation_index = static_cast<int>(i);
      node->implementation = impls[i];
      return;
    }
  }
  diags->Error(node->filter.mark(),
               "no implementation of 'node_def:" + Excerpt(node->type) +
                   "' matches the filter of node '" + Excerpt(node->name) + "' (" +
                   std::to_string(impls.size()) +
                   " tried); change the filter or add an implementation");
}

// While compiling, getip('x') and friends are unknown; this book records
// which nodes a template names and refuses names that are not nodes, and a
// node asking for its own address (Occopus can never build it: the address
// exists only after the node is built).
class ReferenceRecorder : public AddressBook {
 public:
  ReferenceRecorder(const Descriptor& d, const std::string& self,
                    std::set<std::string>* referenced)
      : d_(d), self_(self), referenced_(referenced) {}

  TemplateValue Ip(const std::string& node, bool private_ip,
                   std::string* error) const override {
    if (node == self_) {
      *error = std::string(private_ip ? "getprivip" : "getip") + "('" + node +
               "') asks for the address of the node being built, which it "
               "has only once built (Occopus never builds it); use "
               "{{ ip }} in a health check, or another node's name";
      return TemplateValue();
    }
    return Record(node, error);
  }
  TemplateValue AllIps(const std::string& node, bool,
                       std::string* error) const override {
    return Record(node, error);
  }

 private:
  TemplateValue Record(const std::string& node, std::string* error) const {
    if (d_.FindNode(node) < 0) {
      std::vector<std::string> names;
      for (const NodeSpec& n : d_.nodes) names.push_back(n.name);
      *error = "no node named '" + node + "'" + DidYouMean(node, names);
      return TemplateValue();
    }
    referenced_->insert(node);
    return TemplateValue::Unknown();
  }

  const Descriptor& d_;
  const std::string& self_;
  std::set<std::string>* referenced_;
};

// Renders every template once, so that errors show in validate, and turns
// each reference to another node into a dependency on it.
void CheckTemplates(Descriptor* d, Diagnostics* diags) {
  InfraIdentity infra{"", d->infra_name, d->user_id, d->NodeNames()};
  std::vector<DependencySpec> implied;
  for (const NodeSpec& node : d->nodes) {
    std::set<std::string> referenced;
    ReferenceRecorder recorder(*d, node.name, &referenced);
    InstanceConfig ignored;
    RenderInstanceConfig(node, InstanceScope(infra, node, -1, recorder),
                         &ignored, diags);
    for (const std::string& target : referenced) {
      if (target == node.name) continue;
      DependencySpec dep;
      dep.dependent = node.name;
      dep.dependency = target;
      dep.mark = dep.dependent_mark = dep.dependency_mark =
          node.implementation.mark;
      implied.push_back(dep);
    }
  }
  for (DependencySpec& dep : implied) d->dependencies.push_back(std::move(dep));
}

void CheckDependencies(const Descriptor& d, Diagnostics* diags) {
  std::vector<std::string> names;
  for (const NodeSpec& n : d.nodes) names.push_back(n.name);
  for (const DependencySpec& dep : d.dependencies) {
    for (auto [name, mark] : {std::pair{&dep.dependent, &dep.dependent_mark},
                              std::pair{&dep.dependency, &dep.dependency_mark}}) {
      if (d.FindNode(*name) >= 0) continue;
      std::string hint = DidYouMean(*name, names);
      if (hint.empty()) hint = "; name a node listed under 'nodes'";
      diags->Error(*mark, "dependency on unknown node '" + Excerpt(*name) + "'" + hint);
    }
  }
}

// The compile steps; CompileDescriptor sorts what they report.
bool Compile(const CompileOptions& options, Descriptor* out, NodeGraph* graph,
             Diagnostics* diags) {
  size_t before = diags->size();
  fs::path infra_path = options.infra_path;
  fs::path nodes_path = NodeDefinitionsPath(options);
  out->infra_file = infra_path.lexically_normal().string();
  out->nodes_file = nodes_path.lexically_normal().string();

  // Imports may come from the folders of the two files the user named.
  fs::path infra_dir = infra_path.parent_path().empty()
                           ? fs::path(".")
                           : infra_path.parent_path();
  fs::path nodes_dir = nodes_path.parent_path().empty()
                           ? fs::path(".")
                           : nodes_path.parent_path();
  // The two files are parsed on two threads: YAML parsing is most of the
  // compile time for large descriptors. Each has its own loader.
  std::vector<fs::path> roots = {infra_dir, nodes_dir};
  if (!options.import_roots.empty()) {
    roots.assign(options.import_roots.begin(), options.import_roots.end());
  }
  auto load = [&](const fs::path& path, Value* root, Diagnostics* found) {
    SourceLoader loader(roots, options.allow_outside_imports, options.limits,
                        options.outside_imports);
    return loader.Load(path, root, found,
                       path == infra_path ? options.infra_display_name : "");
  };
  Value infra_root, nodes_root;
  Diagnostics nodes_diags;
  std::future<bool> nodes_loaded = std::async(
      std::launch::async, load, nodes_path, &nodes_root, &nodes_diags);
  bool infra_read = load(infra_path, &infra_root, diags);
  bool nodes_read = nodes_loaded.get();
  diags->Append(nodes_diags);

  NodeDefinitions defs;
  if (infra_read) ReadInfrastructure(infra_root, out, diags);
  if (infra_read && !options.variables.empty()) {
    SourceLoader loader(roots, options.allow_outside_imports, options.limits,
                        options.outside_imports);
    ApplyVariableOverrides(options.variables, &loader, &out->variables, diags);
  }
  if (nodes_read) ReadNodeDefinitions(nodes_root, &defs, diags);
  if (!infra_read || !nodes_read) return false;

  for (NodeSpec& node : out->nodes) LinkNode(*out, defs, &node, diags);
  CheckDependencies(*out, diags);
  if (diags->size() != before) return false;
  CheckTemplates(out, diags);
  if (diags->size() != before) return false;
  return graph->Build(*out, diags);
}

}  // namespace

std::string NodeDefinitionsPath(const CompileOptions& options) {
  if (!options.nodes_path.empty()) return options.nodes_path;
  return (fs::path(options.infra_path).parent_path() / "nodes" /
          "node_definitions.yaml")
      .lexically_normal()
      .string();
}

bool CompileDescriptor(const CompileOptions& options, Descriptor* out,
                       NodeGraph* graph, Diagnostics* diags) {
  Diagnostics found;
  bool ok = Compile(options, out, graph, &found);
  found.SortByPosition();
  if (options.strict && !found.warnings().empty()) {
    found.WarningsAreErrors();
    ok = false;
  }
  diags->Append(found);
  return ok;
}

}  // namespace occam
