#include "descriptor/compiler.h"

#include <gtest/gtest.h>

#include "descriptor/instance_config.h"
#include "descriptor/instance_scope.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::TempDir;

const char kNodes[] = R"(
'node_def:db':
  - resource: {type: dummy}
'node_def:app':
  - resource: {type: dummy, attributes: {size: small}}
  - resource: {type: dummy, attributes: {size: large}}
)";

class CompilerTest : public ::testing::Test {
 protected:
  // Compiles `infra` with `nodes` as its node definitions and returns the
  // errors with the temp folder removed from paths (warnings go to
  // warnings_). Occopus requires user_id; a descriptor that has none gets
  // one at its end, so that the lines of the others stay as written.
  std::string Compile(std::string infra, const std::string& nodes = kNodes) {
    if (infra.find("user_id") == std::string::npos &&
        infra.find_first_not_of(" \n") == infra.find("infra_name") &&
        infra.find("[s") == std::string::npos) {
      infra += (infra.empty() || infra.back() == '\n' ? "" : "\n");
      infra += "user_id: u\n";
    }
    CompileOptions options;
    options.infra_path = dir_.Write("infra.yaml", infra);
    dir_.Write("nodes/node_definitions.yaml", nodes);
    descriptor_ = Descriptor();
    Diagnostics diags;
    ok_ = CompileDescriptor(options, &descriptor_, &graph_, &diags);
    EXPECT_EQ(ok_, diags.empty());
    warnings_ = dir_.Relative(diags.WarningsToString());
    return dir_.Relative(diags.ToString());
  }

  // The rendered configuration of `node`'s first instance, as a planner
  // without addresses renders it.
  std::string Configuration(const std::string& node);

  std::string Levels() {
    std::string out;
    for (const auto& level : graph_.Levels()) {
      out += "[";
      for (size_t i = 0; i < level.size(); ++i) {
        out += (i ? ", " : "") + descriptor_.nodes[level[i]].name;
      }
      out += "]";
    }
    return out;
  }

  TempDir dir_;
  Descriptor descriptor_;
  NodeGraph graph_;
  std::string warnings_;
  bool ok_ = false;
};

TEST_F(CompilerTest, CompilesNodesScalingVariablesAndDependencies) {
  EXPECT_EQ("", Compile(R"(
infra_name: shop
user_id: me
variables: {region: eu, db: {port: 5432, user: app}}
nodes:
  - &DB {name: db, type: db}
  - &APP
    name: app
    type: app
    scaling: {min: 2, max: 5}
    variables: {db: {user: shop}}
dependencies:
  - connection: [*APP, *DB]
)"));
  ASSERT_TRUE(ok_);
  EXPECT_EQ("shop", descriptor_.infra_name);
  const NodeSpec& app = descriptor_.nodes[1];
  EXPECT_EQ(2, app.scaling.min);
  EXPECT_EQ(5, app.scaling.max);
  EXPECT_EQ("shop", app.variables.Find("db")->Find("user")->text());
  EXPECT_EQ("5432", app.variables.Find("db")->Find("port")->text());
  EXPECT_EQ("eu", app.variables.Find("region")->text());
  EXPECT_EQ("[db][app]", Levels());
  EXPECT_EQ(3, descriptor_.MinimumInstances());
}

TEST_F(CompilerTest, ScalingDefaultsFollowOccopus) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes:
  - {name: a, type: db}
  - {name: b, type: db, scaling: {min: 3}}
  - {name: c, type: db, scaling: {min: 0, max: 4}}
  - {name: d, type: db, scaling: {max: 2}}
)"));
  auto range = [&](int i) {
    const ScalingRange& s = descriptor_.nodes[i].scaling;
    return std::to_string(s.min) + ".." + std::to_string(s.max);
  };
  EXPECT_EQ("1..1", range(0));
  EXPECT_EQ("3..3", range(1));
  EXPECT_EQ("1..4", range(2));
  EXPECT_EQ("1..2", range(3));
}

TEST_F(CompilerTest, PlainNameDependenciesAreAccepted) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: db, type: db}, {name: app, type: app}]
dependencies:
  - [app, db]
)"));
  EXPECT_EQ("[db][app]", Levels());
}

TEST_F(CompilerTest, FilterChoosesFirstMatchingImplementation) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes:
  - {name: a, type: app}
  - {name: b, type: app, filter: {attributes: {size: large}}}
)"));
  EXPECT_EQ(0, descriptor_.nodes[0].implementation_index);
  EXPECT_EQ(1, descriptor_.nodes[1].implementation_index);
  EXPECT_EQ(2, descriptor_.nodes[1].implementation_count);
}

TEST_F(CompilerTest, FilterMatchingNothingIsAnError) {
  EXPECT_EQ(
      "infra.yaml:3:38: error: no implementation of 'node_def:app' matches "
      "the filter of node 'b' (2 tried); change the filter or add an "
      "implementation\n",
      Compile(R"(
infra_name: s
nodes: [{name: b, type: app, filter: {type: ec2}}]
)"));
}

TEST_F(CompilerTest, ReportsEveryErrorOfTheRun) {
  EXPECT_EQ(
      "infra.yaml:2:1: error: unknown key 'infra_nam' in the infrastructure "
      "descriptor; did you mean 'infra_name'?\n"
      "infra.yaml:2:1: error: missing key 'user_id' in the infrastructure "
      "descriptor; add it\n"
      "infra.yaml:2:1: error: missing key 'infra_name' in the infrastructure "
      "descriptor; add it\n"
      "infra.yaml:5:5: error: unknown key 'scalling' in node 'app'; did you "
      "mean 'scaling'?\n"
      "infra.yaml:7:12: error: node name 'Web_1' is not a valid name; use "
      "1-63 letters, digits and '-', as Occopus does\n",
      Compile(R"(
infra_nam: s
nodes:
  - name: app
    scalling: {min: 1}
    type: app
  - {name: Web_1, type: db}
)"));
}

TEST_F(CompilerTest, MinOfZeroAboveMaxSaysItMeansOne) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: app, type: app, scaling: {min: 0, max: 0}}]
)"));
  EXPECT_EQ(
      "infra.yaml:3:55: warning: 'min' 0 (which means 1, as in Occopus) is "
      "greater than 'max' (0) in the scaling of node 'app'; Occopus raises max "
      "to 1 (and so does occam, unless --strict); raise max or lower min to say so\n",
      warnings_);
}

TEST_F(CompilerTest, MinAboveMaxRaisesMaxWithAWarning) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: app, type: app, scaling: {min: 5, max: 2}}]
)"));
  EXPECT_EQ(5, descriptor_.nodes[0].scaling.min);
  EXPECT_EQ(5, descriptor_.nodes[0].scaling.max);
  EXPECT_NE(std::string::npos, warnings_.find("infra.yaml:3:55: warning: 'min' (5) is greater than 'max' (2)"))
      << warnings_;
}

// Paths of `files` were checked only when applying (a docker container's
// relative path failed at apply); validate checks them as the providers do.
TEST_F(CompilerTest, FilePathsAreCheckedAtValidate) {
  const std::string infra = "infra_name: s\nnodes: [{name: app, type: app}]\n";
  EXPECT_EQ(
      "nodes/node_definitions.yaml:4:15: error: 'files' in the resource of implementation 1 of "
      "'node_def:app': 'etc/app.conf' must be an absolute path in the container, without '..'\n"
      "nodes/node_definitions.yaml:4:32: error: 'files' in the resource of implementation 1 of "
      "'node_def:app': '/srv/../etc/passwd' must be an absolute path in the container, without '..'\n",
      Compile(infra, "'node_def:app':\n  - resource:\n      type: docker\n"
                     "      files: {etc/app.conf: x, /srv/../etc/passwd: y, /ok: z, "
                     "'{{node_id}}': w}\n      endpoint: unix:///d\n      origin: o\n"
                     "      image: i\n      tag: t\n"));
  EXPECT_EQ(
      "nodes/node_definitions.yaml:4:15: error: 'files' in the resource of implementation 1 of "
      "'node_def:app': '/etc/app.conf' must be a relative path inside the working directory, without '..'\n",
      Compile(infra, "'node_def:app':\n  - resource:\n      type: process\n"
                     "      files: {/etc/app.conf: x, conf/ok.yaml: y}\n      command: [x]\n"));
}

TEST_F(CompilerTest, StrictTurnsWarningsIntoErrors) {
  CompileOptions options;
  options.infra_path = dir_.Write(
      "infra.yaml",
      "user_id: u\ninfra_name: s\nnodes: [{name: app, type: app, scaling: {min: 5, max: 2}}]\n");
  dir_.Write("nodes/node_definitions.yaml", kNodes);
  options.strict = true;
  Diagnostics diags;
  EXPECT_FALSE(CompileDescriptor(options, &descriptor_, &graph_, &diags));
  EXPECT_TRUE(diags.warnings().empty());
  EXPECT_NE(std::string::npos,
            diags.ToString().find("infra.yaml:3:55: error: 'min' (5) is greater"))
      << diags.ToString();
}

TEST_F(CompilerTest, CountsAboveOneHundredThousandAreErrors) {
  EXPECT_EQ(
      "infra.yaml:3:47: error: 'min' in the scaling of node 'app' is 1000000; "
      "a count must be from 0 to 100000\n",
      Compile(R"(
infra_name: x
nodes: [{name: app, type: app, scaling: {min: 1000000}}]
)"));
}

TEST_F(CompilerTest, NegativeCountIsAnError) {
  EXPECT_EQ(
      "infra.yaml:3:47: error: 'min' in the scaling of node 'app' is -1; a "
      "count must be from 0 to 100000\n"
      "infra.yaml:4:53: error: 'max' in the scaling of node 'db' must be a "
      "whole number, not a scalar 'many'\n",
      Compile(R"(
infra_name: s
nodes: [{name: app, type: app, scaling: {min: -1}},
        {name: db, type: db, scaling: {min: 1, max: many}}]
)"));
}

TEST_F(CompilerTest, MissingNodeDefinitionIsAnError) {
  EXPECT_EQ(
      "infra.yaml:3:9: error: node 'web' has type 'ap', but "
      "nodes/node_definitions.yaml has no 'node_def:ap'; did you mean "
      "'app'?\n",
      Compile(R"(
infra_name: s
nodes: [{name: web, type: ap}]
)"));
}

// Occopus 1.10 accepts an infrastructure with no nodes.
TEST_F(CompilerTest, EmptyNodeListIsAWarning) {
  EXPECT_EQ("", Compile("infra_name: s\nnodes: []\n"));
  EXPECT_TRUE(ok_);
  EXPECT_EQ(
      "infra.yaml:2:8: warning: nodes is empty: the infrastructure has no node "
      "to build (Occopus accepts it too); list the nodes to build\n",
      warnings_);
}

// A mapping context is dumped as ruamel dumps it and rendered as one text.
TEST_F(CompilerTest, MappingContextRendersAsOccopusText) {
  EXPECT_EQ("", Compile("infra_name: s\nnodes: [{name: db, type: db}]\n", R"(
'node_def:db':
  - resource: {type: dummy}
    contextualisation:
      type: cloudinit
      context_template:
        write_files:
        - content: |
            name={{ name }}
          path: /etc/x
        packages: [b, 'yes']
)"));
  // ruamel's bytes, Jinja's last newline dropped.
  EXPECT_EQ(
      "#cloud-config\npackages:\n- b\n- yes\nwrite_files:\n- content: \"name=db\\n\"\n"
      "  path: /etc/x",
      nlohmann::json::parse(Configuration("db"))["contextualisation"]["context_template"]);
}

TEST_F(CompilerTest, ContextThatRendersInvalidYamlIsRefused) {
  std::string errors = Compile("infra_name: s\nvariables: {q: \"it's\"}\nnodes: [{name: db, type: db}]\n", R"(
'node_def:db':
  - resource: {type: dummy}
    contextualisation:
      type: cloudinit
      context_template:
        write_files:
        - content: "{{ variables.q }}"
          path: /etc/x
)");
  EXPECT_FALSE(ok_);
  EXPECT_EQ(
      "nodes/node_definitions.yaml:7:9: error: the rendered #cloud-config context of "
      "node 'db' is not valid YAML (line 3:16: invalid YAML: end of map not found); "
      "Occopus refuses to build such a node (cloud-init would ignore it): quote the "
      "template, or make the value it inserts fit there\n",
      errors);
}

TEST_F(CompilerTest, FoldInsideATagWarnsThatOccopusCannotRenderIt) {
  EXPECT_EQ("", Compile("infra_name: s\nnodes: [{name: db, type: db}]\n", R"(
'node_def:db':
  - resource: {type: dummy}
    contextualisation:
      type: cloudinit
      context_template:
        runcmd:
        - "echo 0123456789012345678901234567890123456789012345678901234567890123 {{ name ~ type }}\n"
)"));
  EXPECT_EQ(
      "nodes/node_definitions.yaml:8:11: warning: Occopus 1.10 cannot render the "
      "context of node 'db': its YAML dump folds the line \"echo "
      "01234567890123456789012345678901234…\" inside a template tag, and Jinja "
      "refuses the folding backslash; occam renders the line as written "
      "(shorten it, or write the context as a string, to build it with Occopus "
      "too)\n",
      warnings_);
}

TEST_F(CompilerTest, DependencyOnUnknownNodeIsAnError) {
  EXPECT_EQ(
      "infra.yaml:4:22: error: dependency on unknown node 'dbb'; did you "
      "mean 'db'?\n",
      Compile(R"(
infra_name: s
nodes: [{name: db, type: db}, {name: app, type: app}]
dependencies: [[app, dbb]]
)"));
}

TEST_F(CompilerTest, DuplicateNodeNameIsAnError) {
  EXPECT_EQ(
      "infra.yaml:5:12: error: duplicate node name 'db' (first at "
      "infra.yaml:4:5); node names must be unique: Occopus 1.10 builds both, "
      "but getip('db') then answers for the first alone and nothing tells "
      "their instances apart (occam's state names an instance by its node: "
      "db[0]); rename one\n",
      Compile(R"(
infra_name: s
nodes:
  - {name: db, type: db}
  - {name: db, type: app}
)"));
}

TEST_F(CompilerTest, DependencyCycleIsAnError) {
  EXPECT_EQ(
      "infra.yaml:6:5: error: dependency cycle: app -> lb -> app; remove one "
      "of these dependencies\n",
      Compile(R"(
infra_name: s
nodes: [{name: lb, type: db}, {name: app, type: app}]
dependencies:
  - [lb, app]
  - [app, lb]
)"));
}

TEST_F(CompilerTest, NodeDefinitionErrors) {
  EXPECT_EQ(
      "nodes/node_definitions.yaml:3:22: error: unknown resource type 'ec3' "
      "in the resource of implementation 1 of 'node_def:db'; did you mean "
      "'ec2'?\n"
      "nodes/node_definitions.yaml:6:7: error: missing key 'regionname' in "
      "the resource of implementation 1 of 'node_def:app' (type ec2); add "
      "it\n"
      "nodes/node_definitions.yaml:11:7: error: unknown key 'pong' in the "
      "health_check of implementation 1 of 'node_def:app'; did you mean "
      "'ping'?\n"
      "nodes/node_definitions.yaml:12:15: error: 'ports' in the health_check "
      "of implementation 1 of 'node_def:app' holds '0'; a port must be a "
      "number from 1 to 65535, or {{port}} for the instance's own\n"
      "nodes/node_definitions.yaml:12:18: error: 'ports' in the health_check "
      "of implementation 1 of 'node_def:app' holds 'eighty'; a port must be "
      "a number from 1 to 65535, or {{port}} for the instance's own\n"
      "nodes/node_definitions.yaml:14:13: error: unknown type 'cloudint' in "
      "the contextualisation of implementation 1 of 'node_def:app'; did you "
      "mean 'cloudinit'?\n",
      Compile("infra_name: s\nnodes: [{name: a, type: app}]\n", R"(
'node_def:db':
  - resource: {type: ec3}
'node_def:app':
  - resource:
      type: ec2
      endpoint: e
      image_id: i
      instance_type: t
    health_check:
      pong: true
      ports: [0, eighty]
    contextualisation:
      type: cloudint
)"));
}

TEST_F(CompilerTest, RemovedOcciTypeSaysWhatToUse) {
  EXPECT_EQ(
      "nodes/node_definitions.yaml:1:36: error: resource type 'occi' in the "
      "resource of implementation 1 of 'node_def:app': OCCI support was "
      "removed from Occopus in 2020; use ec2 or nova for the same cloud\n",
      Compile("infra_name: s\nnodes: [{name: a, type: app}]\n",
              "'node_def:app': [{resource: {type: occi}}]\n"));
}

TEST_F(CompilerTest, AzurePasswordOrKeyIsRequired) {
  EXPECT_EQ(
      "nodes/node_definitions.yaml:1:29: error: missing key in the resource "
      "of implementation 1 of 'node_def:app' (type azure_vm): set password "
      "or ssh_key_data\n",
      Compile("infra_name: s\nnodes: [{name: a, type: app}]\n",
              "'node_def:app': [{resource: {type: azure_vm, endpoint: e, "
              "resource_group: g, location: l, vm_size: s, publisher: p, "
              "offer: o, sku: k, version: v, username: u}}]\n"));
}

TEST_F(CompilerTest, SyntaxErrorsInBothFilesAreReported) {
  std::string errors = Compile("infra_name: [s\n", "'node_def:a': [\n");
  EXPECT_FALSE(ok_);
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:")) << errors;
  EXPECT_NE(std::string::npos, errors.find("nodes/node_definitions.yaml:"))
      << errors;
}

TEST_F(CompilerTest, MissingNodeDefinitionsFileNamesIt) {
  CompileOptions options;
  options.infra_path =
      dir_.Write("infra.yaml", "user_id: u\ninfra_name: s\nnodes: [{name: a, type: x}]\n");
  Diagnostics diags;
  EXPECT_FALSE(CompileDescriptor(options, &descriptor_, &graph_, &diags));
  EXPECT_EQ(
      "nodes/node_definitions.yaml: error: cannot read "
      "'nodes/node_definitions.yaml': No such file or directory\n",
      dir_.Relative(diags.ToString()));
}

TEST_F(CompilerTest, NodesOptionChoosesTheDefinitionFile) {
  CompileOptions options;
  options.infra_path =
      dir_.Write("infra.yaml", "user_id: u\ninfra_name: s\nnodes: [{name: a, type: x}]\n");
  options.nodes_path =
      dir_.Write("defs/my.yaml", "'node_def:x': [{resource: {type: dummy}}]\n");
  Diagnostics diags;
  EXPECT_TRUE(CompileDescriptor(options, &descriptor_, &graph_, &diags))
      << diags.ToString();
  EXPECT_EQ("dummy", descriptor_.nodes[0].implementation.resource_type);
}

TEST_F(CompilerTest, TemplateReferenceIsADependency) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: app, type: web}, {name: db, type: db}]
)", R"(
'node_def:db': [{resource: {type: dummy}}]
'node_def:web':
  - resource:
      type: dummy
      attributes: {db: "{{ getip('db') }}"}
)"));
  EXPECT_EQ("[db][app]", Levels());
}

TEST_F(CompilerTest, TemplateErrorsAreReportedWhereWritten) {
  EXPECT_EQ(
      "nodes/node_definitions.yaml:8:12: error: cannot render "
      "resource.attributes.b of node 'app': no node named 'dbb'; did you mean "
      "'db'?\n"
      "nodes/node_definitions.yaml:9:12: error: cannot render "
      "resource.attributes.c of node 'app': unsupported template statement "
      "'{% include 'x.j2' %}'; occam renders if, for, set, macro, call and raw "
      "(see docs/templates.md)\n",
      Compile(R"(
infra_name: s
variables: {message: hi}
nodes: [{name: app, type: web}, {name: db, type: db}]
)", R"(
'node_def:db': [{resource: {type: dummy}}]
'node_def:web':
  - resource:
      type: dummy
      attributes:
        a: "{{ variables.mesage }}"
        b: "{{ getip('dbb') }}"
        c: "{% include 'x.j2' %}"
)"));
  EXPECT_EQ(
      "nodes/node_definitions.yaml:7:12: warning: in resource.attributes.a of "
      "node 'app': 'variables.mesage' is undefined and renders as an empty "
      "string, as in Jinja; define it, or write {{ variables.mesage | "
      "default('') }} to say so\n",
      warnings_);
}

// Addresses as apply would know them: node N's instances are 10.0.N.1…
class FixedAddresses : public AddressBook {
 public:
  TemplateValue Ip(const std::string& node, bool, std::string*) const override {
    return TemplateValue::String("10.0." + std::to_string(node.size()) + ".1");
  }
  TemplateValue AllIps(const std::string& node, bool, std::string* e) const override {
    return TemplateValue::FromList({Ip(node, false, e),
                                    TemplateValue::String("10.0.9.2")});
  }
};

std::string CompilerTest::Configuration(const std::string& node) {
  int index = descriptor_.FindNode(node);
  if (index < 0) return "no node " + node;
  InfraIdentity infra{"infra-1", descriptor_.infra_name, descriptor_.user_id,
                      descriptor_.NodeNames()};
  FixedAddresses book;
  InstanceConfig config;
  Diagnostics diags;
  const NodeSpec& spec = descriptor_.nodes[static_cast<size_t>(index)];
  if (!RenderInstanceConfig(spec, InstanceScope(infra, spec, 0, book), &config,
                            &diags)) {
    return diags.ToString();
  }
  return config.value.dump();
}

// MiCADO's descriptors: capital letters in names, kept as written and found
// case-sensitively by getip.
TEST_F(CompilerTest, NamesMayHoldCapitalLettersAsInOccopus) {
  EXPECT_EQ("", Compile(R"(
infra_name: MICADO
user_id: micado
nodes:
  - &M {name: MICADO-master, type: master}
  - &W {name: MICADO-worker, type: worker, scaling: {min: 2, max: 4}}
dependencies: [{connection: [*W, *M]}]
)", R"(
'node_def:master': [{resource: {type: dummy}}]
'node_def:worker':
  - resource: {type: dummy, attributes: {master: "{{ getip('MICADO-master') }}"}}
)"));
  EXPECT_EQ("MICADO-worker", descriptor_.nodes[1].name);
  EXPECT_EQ(R"({"resource":{"attributes":{"master":"10.0.13.1"}}})",
            Configuration("MICADO-worker"));
  EXPECT_NE("", Compile(R"(
infra_name: MICADO
nodes: [{name: a, type: master}, {name: b, type: worker}]
)", R"(
'node_def:master': [{resource: {type: dummy}}]
'node_def:worker': [{resource: {type: dummy, attributes: {m: "{{ getip('micado-master') }}"}}}]
)"));
}

// Each template had its own budget, so a configuration of many templates
// had none: 300 attributes of 15 MiB each took 4.6 GB to validate. One
// instance's templates now share 64 MiB and 10,000,000 steps.
TEST_F(CompilerTest, AnInstancesTemplatesShareOneBudget) {
  std::string nodes = "'node_def:app':\n  - resource: {type: dummy, attributes: {";
  for (int i = 0; i < 6; ++i) {
    nodes += "a" + std::to_string(i) + ": '";
    for (int j = 0; j < 15; ++j) nodes += "{{ variables.v }}";
    nodes += "', ";
  }
  nodes += "z: '{{ variables.v }}'}}\n";
  // validate renders every node type once.
  std::string error = Compile("infra_name: s\nnodes: [{name: app, type: app}]\n"
                              "variables: {v: '" + std::string(1 << 20, 'v') + "'}\n",
                              nodes);
  EXPECT_NE(std::string::npos,
            error.find("cannot render resource.attributes.a4 of node 'app': the "
                       "templates of node 'app' render more than 64 MiB in all; "
                       "occam refuses larger configurations"))
      << error.substr(0, 400);
  EXPECT_EQ(std::string::npos, error.find("attributes.a5")) << "reported twice";
  // Steps are shared the same way (10,000,000 of them take seconds to
  // render, too long for this suite).
}

TEST_F(CompilerTest, NullResourceValuesAreAbsent) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: app, type: app}]
)", R"(
'node_def:app':
  - resource:
      type: docker
      endpoint: unix:///var/run/docker.sock
      origin: https://index.docker.io/v1/
      image: busybox
      tag: latest
      network_id:
)"));
  EXPECT_EQ(nullptr, descriptor_.nodes[0].implementation.resource.Find("network_id"));
  std::string errors = Compile(R"(
infra_name: s
nodes: [{name: app, type: app}]
)", R"(
'node_def:app':
  - resource:
      type: docker
      endpoint: unix:///var/run/docker.sock
      origin: https://index.docker.io/v1/
      tag: latest
      image:
)");
  EXPECT_NE(std::string::npos, errors.find("missing key 'image'")) << errors;
}

TEST_F(CompilerTest, FalseAcceptsOfOccopusAreErrors) {
  std::string errors = Compile(
      "infra_name: s\nnodes: [{name: 12345, type: app}]\n");
  EXPECT_NE(std::string::npos,
            errors.find("infra.yaml:2:16: error: the name of a node is '12345', "
                        "not a string (Occopus refuses it too)"))
      << errors;
  errors = Compile(R"(
infra_name: s
nodes: [{name: app, type: web}]
)", R"(
'node_def:web':
  - resource: {type: dummy, attributes: {me: "{{ getip('app') }}"}}
)");
  EXPECT_NE(std::string::npos,
            errors.find("nodes/node_definitions.yaml:3:46: error: cannot render "
                        "resource.attributes.me of node 'app': getip('app') asks "
                        "for the address of the node being built"))
      << errors;
  EXPECT_EQ(std::string::npos, errors.find("missing key 'user_id'"));
  errors = Compile("user_id: \ninfra_name: s\nnodes: [{name: a, type: app}]\n");
  EXPECT_NE(std::string::npos, errors.find("user_id")) << errors;
}

TEST_F(CompilerTest, UnquotedNodeNamesAreNodesWithAWarning) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: db, type: db}, {name: master, type: db}, {name: app, type: web}]
)", R"(
'node_def:db': [{resource: {type: dummy}}]
'node_def:web':
  - resource:
      type: dummy
      attributes: {a: "{{ getip(master) }}", b: "{{ getip(nosuch) }}"}
)"));
  EXPECT_EQ(R"({"resource":{"attributes":{"a":"10.0.6.1","b":"10.0.2.1"}}})",
            Configuration("app"));
  EXPECT_NE(std::string::npos,
            warnings_.find("getip(master): 'master' is not a defined name; occam "
                           "reads it as the node 'master'"))
      << warnings_;
  EXPECT_NE(std::string::npos,
            warnings_.find("getip(nosuch): 'nosuch' is undefined and names no "
                           "node; as Occopus does, occam takes the "
                           "infrastructure's first node, 'db'"))
      << warnings_;
  EXPECT_EQ("[db, master][app]", Levels());
}

TEST_F(CompilerTest, TemplatesSeeOccopusDataAndRenderLoops) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
user_id: someone
variables: {peers: [a, b], port: 8080}
nodes:
  - {name: db, type: db}
  - {name: app, type: web, scaling: {min: 2, max: 5}, filter: {type: dummy}}
)", R"(
'node_def:db': [{resource: {type: dummy}}]
'node_def:web':
  - resource: {type: dummy, attributes: {size: large}}
    contextualisation:
      type: cloudinit
      context_template: |
        #cloud-config
        {% for p in variables.peers -%}
        peer{{ loop.index }}: {{ p }}
        {% endfor -%}
        {% if scaling.max > 3 %}big: {{ scaling.max }}{% else %}small{% endif %}
        who: {{ user_id }}/{{ infra_name }}/{{ name }}/{{ type }}/{{ resource.attributes.size }}
        dbs: {{ getipall('db') | join(',') }}
        first: {{ cut(node_id, 0, 8) }}
        {{ variables.port | string | length }} {{ filter.type | upper }}
)"));
  nlohmann::json config = nlohmann::json::parse(Configuration("app"));
  EXPECT_EQ(
      "#cloud-config\npeer1: a\npeer2: b\nbig: 5\n"
      "who: someone/s/app/web/large\ndbs: 10.0.2.1,10.0.9.2\nfirst: " +
          NodeId("infra-1", "app[0]").substr(0, 8) + "\n4 DUMMY",
      config["contextualisation"]["context_template"].get<std::string>());
  EXPECT_EQ("", warnings_);
}

TEST_F(CompilerTest, PuppetSoloGivesTemplatesItsData) {
  EXPECT_EQ("", Compile(R"(
infra_name: s
nodes: [{name: app, type: web}]
)", R"(
'node_def:web':
  - resource: {type: dummy}
    config_management:
      type: puppet_solo
      manifests: [site.pp, extra.pp]
      modules: [apache]
    contextualisation:
      type: cloudinit
      context_template: "m={{ puppet.manifests }};mod={{ puppet.modules }};a=[{{ puppet.attributes }}]"
)"));
  nlohmann::json config = nlohmann::json::parse(Configuration("app"));
  EXPECT_EQ("m=site.pp extra.pp;mod=apache;a=[]",
            config["contextualisation"]["context_template"].get<std::string>());
}

TEST_F(CompilerTest, WrongKindsAreReported) {
  EXPECT_EQ(
      "infra.yaml:2:8: error: nodes must be a list, not a mapping\n"
      "infra.yaml:3:12: error: variables must be a mapping, not a list\n",
      Compile("infra_name: s\nnodes: {a: 1}\nvariables: [1]\n"));
}

TEST_F(CompilerTest, LifecycleIsChecked) {
  EXPECT_EQ("", Compile("infra_name: s\nnodes: [{name: app, type: app, "
                        "lifecycle: {create_before_destroy: true}}]\n"));
  std::string errors = Compile(
      "infra_name: s\nnodes:\n"
      "  - {name: app, type: app, lifecycle: {create_before_destroy: maybe}}\n"
      "  - {name: db, type: db, lifecycle: {prevent_destroy: true}}\n");
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:3:")) << errors;
  EXPECT_NE(std::string::npos, errors.find("true or false")) << errors;
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:4:")) << errors;
  EXPECT_NE(std::string::npos, errors.find("prevent_destroy")) << errors;
}

TEST_F(CompilerTest, RolloutBoundsAreChecked) {
  EXPECT_EQ("", Compile("infra_name: s\nnodes: [{name: app, type: app, "
                        "lifecycle: {max_unavailable: 2, max_surge: 1}}]\n"));
  EXPECT_EQ(
      "infra.yaml:3:39: error: max_unavailable and max_surge in the lifecycle of node "
      "'app' are both 0: a rollout could replace nothing; let one of them be at "
      "least 1\n",
      Compile("infra_name: s\nnodes:\n"
              "  - {name: app, type: app, lifecycle: {max_unavailable: 0, max_surge: 0}}\n"));
  std::string errors = Compile(
      "infra_name: s\nnodes:\n"
      "  - {name: a, type: a, lifecycle: {max_surge: -1}}\n"
      "  - {name: b, type: b, lifecycle: {create_before_destroy: false, max_surge: 1}}\n"
      "  - {name: c, type: c, lifecycle: {create_before_destroy: true, max_surge: 0}}\n"
      "  - {name: d, type: d, lifecycle: {max_unavailable: many}}\n");
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:3:47: error: max_surge in the "
                                           "lifecycle of node 'a' is -1; give a count "
                                           "from 0 to 100000")) << errors;
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:4:")) << errors;
  EXPECT_NE(std::string::npos, errors.find("create_before_destroy: false forbids")) << errors;
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:5:")) << errors;
  EXPECT_NE(std::string::npos, errors.find("create_before_destroy: true forbids")) << errors;
  EXPECT_NE(std::string::npos, errors.find("infra.yaml:6:")) << errors;
}

}  // namespace
}  // namespace occam
