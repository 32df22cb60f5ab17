#include "descriptor/node_definitions.h"

#include <algorithm>

#include "base/spelling.h"
#include "base/utf8.h"
#include "descriptor/shape_checker.h"
#include "providers/resource_schema.h"

namespace occam {
namespace {

const char kPrefix[] = "node_def:";

// Occopus treats a resource key left empty (`network_id:`) as absent.
Value WithoutNulls(const Value& resource) {
  if (!resource.is_mapping()) return resource;
  Value out = resource;
  std::vector<Value::Entry>& entries = out.mutable_entries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const Value::Entry& e) {
                                 return e.value.is_null();
                               }),
                entries.end());
  return out;
}

class DefinitionReader {
 public:
  explicit DefinitionReader(Diagnostics* diags) : check_(diags) {}

  void ReadDefinition(const Value::Entry& entry, NodeDefinitions* out);

 private:
  void ReadImplementation(const Value& v, const std::string& what,
                          Implementation* impl);
  void CheckResource(const Value& v, const std::string& what,
                     std::string* type);
  void CheckAttributes(const Value& resource, const ResourceSchema& schema,
                       const std::string& what);
  void CheckContextualisation(const Value& v, const std::string& what);
  void CheckConfigManagement(const Value& v, const std::string& what);
  void CheckHealthCheck(const Value& v, const std::string& what);
  // The `type` of a section, checked against `types`; "" when wrong.
  std::string SectionType(const Value& v, const std::vector<std::string>& types,
                          const std::string& what);

  ShapeChecker check_;
};

void DefinitionReader::ReadDefinition(const Value::Entry& entry,
                                      NodeDefinitions* out) {
  std::string what = "'" + entry.key + "'";
  if (entry.key.rfind(kPrefix, 0) != 0) {
    check_.Error(entry.key_mark,
                 "unknown key '" + entry.key +
                     "' in the node definitions; keys are 'node_def:TYPE'");
    return;
  }
  NodeDefinition def{entry.key.substr(sizeof(kPrefix) - 1), {}, entry.key_mark};
  if (!check_.List(entry.value, what)) return;
  if (entry.value.items().empty()) {
    check_.Error(entry.value.mark(),
                 what + " has no implementation; add at least one");
    return;
  }
  int index = 1;
  for (const Value& item : entry.value.items()) {
    Implementation impl;
    std::string impl_what =
        "implementation " + std::to_string(index++) + " of " + what;
    ReadImplementation(item, impl_what, &impl);
    def.implementations.push_back(std::move(impl));
  }
  // Kept even when an implementation is wrong, so that nodes of this type
  // are not also reported as having no definition.
  (*out)[def.type] = std::move(def);
}

void DefinitionReader::ReadImplementation(const Value& v,
                                          const std::string& what,
                                          Implementation* impl) {
  if (!check_.Mapping(v, what)) return;
  check_.Keys(v,
                        {"resource", "contextualisation", "config_management",
                         "health_check"},
                        {"resource"}, what);
  impl->mark = v.mark();
  if (const Value* r = v.Find("resource")) {
    impl->resource = WithoutNulls(*r);
    CheckResource(impl->resource, "the resource of " + what,
                  &impl->resource_type);
  }
  if (const Value* c = v.Find("contextualisation")) {
    impl->contextualisation = *c;
    CheckContextualisation(*c, "the contextualisation of " + what);
  }
  if (const Value* c = v.Find("config_management")) {
    impl->config_management = *c;
    CheckConfigManagement(*c, "the config_management of " + what);
  }
  if (const Value* h = v.Find("health_check")) {
    impl->health_check = *h;
    CheckHealthCheck(*h, "the health_check of " + what);
  }
}

void DefinitionReader::CheckResource(const Value& v, const std::string& what,
                                     std::string* type) {
  if (!check_.Mapping(v, what)) return;
  const Value* t = v.Find("type");
  if (!t) {
    check_.Error(v.mark(), "missing key 'type' in " + what +
                               "; add it (one of: " +
                               [] {
                                 std::string all;
                                 for (auto& n : ResourceTypeNames()) {
                                   all += (all.empty() ? "" : ", ") + n;
                                 }
                                 return all;
                               }() +
                               ")");
    return;
  }
  if (!check_.Scalar(*t, "the type of " + what)) return;
  const ResourceSchema* schema = FindResourceSchema(t->text());
  if (!schema) {
    std::string hint = DidYouMean(t->text(), ResourceTypeNames());
    check_.Error(t->mark(), "unknown resource type '" + Excerpt(t->text()) + "' in " +
                                what + (hint.empty()
                                            ? "; see docs/descriptor.md for "
                                              "the resource types"
                                            : hint));
    return;
  }
  if (!schema->removed.empty()) {
    check_.Error(t->mark(), "resource type '" + Excerpt(t->text()) + "' in " + what +
                                ": " + schema->removed);
    return;
  }
  *type = t->text();
  CheckAttributes(v, *schema, what);
}

void DefinitionReader::CheckAttributes(const Value& resource,
                                       const ResourceSchema& schema,
                                       const std::string& what) {
  std::vector<std::string> required;
  for (const AttributeSpec& a : schema.attributes) {
    if (a.required) required.push_back(a.name);
  }
  std::string full = what + " (type " + schema.type + ")";
  check_.Keys(resource, schema.AttributeNames(), required, full);
  for (const Value::Entry& e : resource.entries()) {
    const AttributeSpec* spec = schema.Find(e.key);
    if (!spec) continue;
    std::string attr = "'" + e.key + "' in " + what;
    if (!check_.Kind(e.value, spec->kind, attr)) continue;
    if (spec->paths != AttributeSpec::Paths::kAny && e.value.is_mapping()) {
      for (const Value::Entry& file : e.value.entries()) {
        if (file.key.find("{{") != std::string::npos) continue;  // rendered later
        std::string problem = FilePathProblem(file.key, spec->paths);
        if (!problem.empty()) {
          check_.Error(file.key_mark, attr + ": '" + Excerpt(file.key) + "' " + problem);
        }
      }
    }
    if (!spec->required_keys.empty()) {
      for (const std::string& key : spec->required_keys) {
        if (!e.value.FindEntry(key)) {
          check_.Error(e.value.mark(), "missing key '" + key + "' in " + attr +
                                           "; add it");
        }
      }
    }
  }
  for (const std::vector<std::string>& group : schema.one_of) {
    bool any = false;
    for (const std::string& key : group) any = any || resource.FindEntry(key);
    if (!any) {
      std::string keys;
      for (const std::string& k : group) keys += (keys.empty() ? "" : " or ") + k;
      check_.Error(resource.mark(), "missing key in " + full + ": set " + keys);
    }
  }
}

std::string DefinitionReader::SectionType(const Value& v,
                                          const std::vector<std::string>& types,
                                          const std::string& what) {
  if (!check_.Mapping(v, what)) return "";
  const Value* t = v.Find("type");
  if (!t) {
    check_.Error(v.mark(), "missing key 'type' in " + what + "; add it");
    return "";
  }
  if (!check_.Scalar(*t, "the type of " + what)) return "";
  for (const std::string& known : types) {
    if (t->text() == known) return known;
  }
  std::string hint = DidYouMean(t->text(), types);
  if (hint.empty()) {
    hint = "; use one of: ";
    for (size_t i = 0; i < types.size(); ++i) hint += (i ? ", " : "") + types[i];
  }
  check_.Error(t->mark(), "unknown type '" + Excerpt(t->text()) + "' in " + what + hint);
  return "";
}

void DefinitionReader::CheckContextualisation(const Value& v,
                                              const std::string& what) {
  std::string type = SectionType(v, {"cloudinit", "docker"}, what);
  if (type == "cloudinit") {
    check_.Keys(v, {"type", "context_template", "attributes"},
                {"context_template"}, what);
    if (const Value* a = v.Find("attributes")) {
      check_.OptionalMapping(*a, "'attributes' in " + what);
    }
  } else if (type == "docker") {
    check_.Keys(v, {"type", "env", "command", "context_variables"}, {"env"},
                what);
    if (const Value* env = v.Find("env")) {
      if (!env->is_sequence() && !env->is_mapping()) {
        check_.List(*env, "'env' in " + what);
      }
    }
  }
}

void DefinitionReader::CheckConfigManagement(const Value& v,
                                             const std::string& what) {
  std::string type = SectionType(v, {"chef", "puppet_solo"}, what);
  if (type == "chef") {
    check_.Keys(v, {"type", "endpoint", "run_list"}, {"endpoint", "run_list"},
                what);
    if (const Value* r = v.Find("run_list")) {
      check_.List(*r, "'run_list' in " + what);
    }
  } else if (type == "puppet_solo") {
    check_.Keys(v, {"type", "manifests", "modules", "attributes"},
                {"manifests"}, what);
  }
}

void DefinitionReader::CheckHealthCheck(const Value& v,
                                        const std::string& what) {
  if (!check_.Mapping(v, what)) return;
  check_.Keys(v, {"ping", "ports", "urls", "mysqldbs", "timeout"}, {}, what);
  if (const Value* p = v.Find("ping")) check_.Bool(*p, "'ping' in " + what);
  if (const Value* t = v.Find("timeout")) {
    std::optional<double> secs = t->AsNumber();
    if (!secs || *secs <= 0) {
      check_.Error(t->mark(), "'timeout' in " + what +
                                  " must be a number of seconds above 0");
    }
  }
  if (const Value* ports = v.Find("ports")) {
    if (check_.List(*ports, "'ports' in " + what)) {
      for (const Value& port : ports->items()) {
        // "{{port}}": the instance's own port, put in when it is checked.
        if (port.is_scalar() && port.text().find("{{") != std::string::npos) continue;
        std::optional<long long> n = port.AsInt();
        if (!n || *n < 1 || *n > 65535) {
          check_.Error(port.mark(),
                       "'ports' in " + what + " holds " +
                           (port.is_scalar()
                                ? "'" + Printable(port.text(), 64) + "'"
                                : port.KindName()) +
                           "; a port must be a number from 1 to 65535, or {{port}} for the "
                           "instance's own");
        }
      }
    }
  }
  if (const Value* urls = v.Find("urls")) {
    if (check_.List(*urls, "'urls' in " + what)) {
      for (const Value& url : urls->items()) check_.Scalar(url, "a url in " + what);
    }
  }
  if (const Value* dbs = v.Find("mysqldbs")) {
    if (check_.List(*dbs, "'mysqldbs' in " + what)) {
      for (const Value& db : dbs->items()) {
        std::string db_what = "a database in 'mysqldbs' of " + what;
        if (check_.Mapping(db, db_what)) {
          check_.Keys(db, {"name", "user", "pass"}, {"name", "user", "pass"},
                      db_what);
        }
      }
    }
  }
}

}  // namespace

bool ReadNodeDefinitions(const Value& root, NodeDefinitions* out,
                         Diagnostics* diags) {
  size_t before = diags->size();
  ShapeChecker check(diags);
  if (!check.Mapping(root, "the node definitions")) return false;
  DefinitionReader reader(diags);
  for (const Value::Entry& entry : root.entries()) {
    reader.ReadDefinition(entry, out);
  }
  return diags->size() == before;
}

}  // namespace occam
