// What Occopus 1.10 accepts, occam accepts and renders the same way, end to
// end through the occam binary (issue: Occopus fidelity): capital letters
// in names, null resource values, undefined template names, unquoted node
// names in getip, puppet_solo data, for/if loops and min > max give
// warnings, not errors; what Occopus refuses, occam refuses with a
// file:line:col error.
#include <gtest/gtest.h>

#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::CommandResult;
using testing::RunCommand;

// A MiCADO-shaped infrastructure written the way real descriptors are.
const char kInfra[] = R"(user_id: micado
infra_name: MICADO
variables:
  workers: [alpha, beta]
  port: 9100
nodes:
  - &DB {name: DB, type: db}
  - &Master
    name: MICADO-master
    type: master
  - &Worker
    name: MICADO-worker
    type: worker
    scaling: {min: 2, max: 1}
dependencies:
  - connection: [*Master, *DB]
  - connection: [*Worker, *Master]
)";

const char kNodes[] = R"('node_def:db':
  - resource:
      type: dummy
      attributes:
      delay:
'node_def:master':
  - resource: {type: dummy}
    config_management:
      type: puppet_solo
      manifests: [site.pp, micado.pp]
      modules: [consul]
    contextualisation:
      type: cloudinit
      context_template: |
        #cloud-config
        manifests: {{ puppet.manifests }}
        modules: {{ puppet.modules }}
        db: {{ getip(DB) }}
        region: {{ variables.region }}
'node_def:worker':
  - resource: {type: dummy}
    contextualisation:
      type: cloudinit
      context_template: |
        #cloud-config
        {%- for w in variables.workers %}
        worker{{ loop.index }}: {{ w }}{% if loop.last %} (last){% endif %}
        {%- endfor %}
        master: {{ getip('MICADO-master') }}:{{ variables.port }}
        peers: {{ getipall('MICADO-master') | join(',') }}
        id: {{ node_id is defined }}
)";

class OccopusFidelityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("infra.yaml", kInfra);
    dir_.Write("nodes/node_definitions.yaml", kNodes);
  }

  CommandResult Occam(const std::string& args) {
    return RunCommand("cd " + dir_.path().string() + " && " +
                      testing::OccamBinary() + " " + args);
  }

  testing::TempDir dir_;
};

TEST_F(OccopusFidelityTest, WhatOccopusAcceptsValidatesWithWarnings) {
  CommandResult r = Occam("validate -f infra.yaml");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(
      "infra.yaml:14:28: warning: 'min' (2) is greater than 'max' (1) in the "
      "scaling of node 'MICADO-worker'; Occopus raises max to 2 (and so does "
      "occam, unless --strict); raise max or lower min to say so\n"
      "nodes/node_definitions.yaml:14:25: warning: in "
      "contextualisation.context_template of node 'MICADO-master' (line 4, "
      "column 8 of the template): getip(DB): 'DB' is not a defined name; "
      "occam reads it as the node 'DB' (Occopus would take the first node); "
      "quote it: getip('DB')\n"
      "nodes/node_definitions.yaml:14:25: warning: in "
      "contextualisation.context_template of node 'MICADO-master' (line 5, "
      "column 11 of the template): 'variables.region' is undefined and "
      "renders as an empty string, as in Jinja; define it, or write {{ "
      "variables.region | default('') }} to say so\n"
      "infra.yaml: valid: infrastructure 'MICADO', 3 node types, 4 instances "
      "at minimum, 2 dependencies\n",
      r.out);
}

TEST_F(OccopusFidelityTest, StrictMakesWarningsErrors) {
  CommandResult r = Occam("validate --strict -f infra.yaml");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("infra.yaml:14:28: error: 'min' (2)")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("occam: 3 errors\n")) << r.out;
}

TEST_F(OccopusFidelityTest, AppliedInstancesRenderAsOccopusRendersThem) {
  CommandResult r = Occam("apply --auto-approve -f infra.yaml --state s.db");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Resources: 4 added")) << r.out;
  CommandResult master = Occam("state show 'MICADO-master[0]' --state s.db");
  EXPECT_NE(std::string::npos,
            master.out.find("#cloud-config\\nmanifests: site.pp micado.pp\\n"
                            "modules: consul\\ndb: 127.0.0.1\\nregion: \""))
      << master.out;
  CommandResult worker = Occam("state show 'MICADO-worker[1]' --state s.db");
  EXPECT_NE(std::string::npos,
            worker.out.find("#cloud-config\\nworker1: alpha\\nworker2: beta "
                            "(last)\\nmaster: 127.0.0.1:9100\\npeers: "
                            "127.0.0.1\\nid: True\""))
      << worker.out;
  CommandResult db = Occam("state show 'DB[0]' --state s.db");
  EXPECT_EQ(std::string::npos, db.out.find("delay")) << db.out;
}

TEST_F(OccopusFidelityTest, WhatOccopusRefusesIsAnErrorWithItsPosition) {
  struct Case {
    const char* infra;
    const char* nodes;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"infra_name: s\nnodes: [{name: a, type: db}]\n", kNodes,
            "infra.yaml:1:1: error: missing key 'user_id' in the "
            "infrastructure descriptor; add it\n"},
           {"user_id: u\ninfra_name: s\nnodes: [{name: 12345, type: db}]\n", kNodes,
            "infra.yaml:3:16: error: the name of a node is '12345', not a "
            "string (Occopus refuses it too); write a name such as 'app', in "
            "quotes if it is all digits\n"},
           {"user_id: u\ninfra_name: s\nnodes: [{name: me, type: self}]\n",
            "'node_def:self':\n  - resource: {type: dummy, attributes: {a: \"{{ getip('me') }}\"}}\n",
            "nodes/node_definitions.yaml:2:45: error: cannot render "
            "resource.attributes.a of node 'me': getip('me') asks for the "
            "address of the node being built, which it has only once built "
            "(Occopus never builds it); use {{ ip }} in a health check, or "
            "another node's name\n"},
       }) {
    dir_.Write("infra.yaml", c.infra);
    dir_.Write("nodes/node_definitions.yaml", c.nodes);
    CommandResult r = Occam("validate -f infra.yaml");
    EXPECT_EQ(1, r.exit_code) << r.out;
    EXPECT_EQ(std::string(c.error) + "occam: 1 error\n", r.out);
  }
}

}  // namespace
}  // namespace occam
