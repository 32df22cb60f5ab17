// Every Occopus tutorial descriptor must compile, with the build levels its
// dependencies describe.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "descriptor/compiler.h"
#include "tests/run_command.h"

namespace occam {
namespace {

namespace fs = std::filesystem;

// What each tutorial's dependencies say about build order.
const std::map<std::string, std::string> kExpectedLevels = {
    {"autoscaling-dataavenue", "[db][da, prometheus][lb]"},
    // Its dependency is commented out, but the slaves' templates call
    // getip('hadoop-master'): a reference is a dependency.
    {"autoscaling-hadoop", "[hadoop-master][hadoop-slave]"},
    {"azure-helloworld", "[helloworld]"},
    {"chef-wordpress", "[mysql-server][wordpress]"},
    {"cloudbroker-helloworld", "[helloworld]"},
    {"cloudsigma-helloworld", "[helloworld]"},
    {"dataavenue-cluster", "[dataaavenue][storage]"},
    {"docker-helloworld", "[helloworld]"},
    {"docker-ping", "[ping-receiver][ping-sender]"},
    {"docker-swarm", "[master][worker]"},
    {"ec2-helloworld", "[helloworld]"},
    {"ec2-ping", "[ping-receiver][ping-sender]"},
    {"hadoop-cluster", "[hadoop-master][hadoop-slave]"},
    {"nova-helloworld", "[helloworld]"},
    {"nova-ping", "[ping-receiver][ping-sender]"},
};

std::vector<std::string> Tutorials() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(testing::CorpusDir(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string InfraFile(const std::string& tutorial) {
  for (const auto& entry :
       fs::directory_iterator(fs::path(testing::CorpusDir()) / tutorial)) {
    std::string name = entry.path().filename();
    if (entry.is_regular_file() && name.rfind("infra", 0) == 0) {
      return entry.path();
    }
  }
  return "";
}

std::string LevelsText(const Descriptor& d, const NodeGraph& g) {
  std::string out;
  for (const auto& level : g.Levels()) {
    out += "[";
    for (size_t i = 0; i < level.size(); ++i) {
      out += (i ? ", " : "") + d.nodes[level[i]].name;
    }
    out += "]";
  }
  return out;
}

bool HasTag(Value v) {
  bool tagged = false;
  v.Walk([&](const Value& x) {
    tagged = tagged || !x.tag().empty();
    return !tagged;
  });
  return tagged;
}

// The corpus sits beside the checkout in CI, where these tests require it;
// a user's fresh clone has none, and they skip, saying so.
class Corpus : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fs::is_directory(testing::CorpusDir())) return;
    const char* ci = std::getenv("CI");
    std::string where = "Occopus corpus not found at " +
                        testing::CorpusDir() + "; set OCCAM_CORPUS";
    if (ci && std::string(ci) == "true") FAIL() << where << " (CI=true)";
    GTEST_SKIP() << where << "; skipped (outside CI)";
  }
};

TEST_F(Corpus, EveryTutorialIsPresent) {
  for (const auto& [name, levels] : kExpectedLevels) {
    EXPECT_FALSE(InfraFile(name).empty()) << name;
  }
}

TEST_F(Corpus, EveryTutorialCompilesWithItsBuildLevels) {
  std::vector<std::string> tutorials = Tutorials();
  ASSERT_GE(tutorials.size(), kExpectedLevels.size());
  for (const std::string& tutorial : tutorials) {
    SCOPED_TRACE(tutorial);
    CompileOptions options;
    options.infra_path = InfraFile(tutorial);
    ASSERT_FALSE(options.infra_path.empty());
    Descriptor d;
    NodeGraph g;
    Diagnostics diags;
    ASSERT_TRUE(CompileDescriptor(options, &d, &g, &diags)) << diags.ToString();
    auto expected = kExpectedLevels.find(tutorial);
    if (expected != kExpectedLevels.end()) {
      EXPECT_EQ(expected->second, LevelsText(d, g));
    }
    for (const NodeSpec& node : d.nodes) {
      EXPECT_FALSE(node.implementation.resource_type.empty()) << node.name;
      // Every !yaml_import / !text_import was replaced by what it names.
      EXPECT_FALSE(HasTag(node.implementation.contextualisation)) << node.name;
    }
  }
}

TEST_F(Corpus, ImportedCloudInitIsInlined) {
  CompileOptions options;
  options.infra_path = InfraFile("chef-wordpress");
  Descriptor d;
  NodeGraph g;
  Diagnostics diags;
  ASSERT_TRUE(CompileDescriptor(options, &d, &g, &diags)) << diags.ToString();
  const Value* tmpl =
      d.nodes[0].implementation.contextualisation.Find("context_template");
  ASSERT_NE(nullptr, tmpl);
  EXPECT_TRUE(tmpl->is_mapping());
  EXPECT_EQ("ec2", d.nodes[1].implementation.resource_type);
  // The node has no variables of its own: it sees the infra's.
  const Value* password = d.nodes[0].variables.Find("mysql_root_password");
  ASSERT_NE(nullptr, password);
  EXPECT_EQ("replace_with_database_root_password", password->text());
}

TEST_F(Corpus, ValidateCommandAcceptsEveryTutorial) {
  std::vector<std::string> tutorials = Tutorials();
  ASSERT_GE(tutorials.size(), kExpectedLevels.size());
  for (const std::string& tutorial : tutorials) {
    testing::CommandResult r = testing::RunCommand(
        testing::OccamBinary() + " validate -f '" + InfraFile(tutorial) + "'");
    EXPECT_EQ(0, r.exit_code) << tutorial << ": " << r.out;
    EXPECT_NE(std::string::npos, r.out.find(": valid: ")) << r.out;
  }
}

}  // namespace
}  // namespace occam
