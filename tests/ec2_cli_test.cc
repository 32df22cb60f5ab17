// The ec2 provider end to end, against moto_server (an EC2 API emulator
// that speaks the real Query API): examples/ec2 applied, scaled, refreshed
// and destroyed; kill -9 during applies; the corpus's ec2 tutorials; the
// errors a user meets. What the cloud holds is read from moto_server with
// the tests' own client, not from occam.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "base/base64.h"
#include "tests/ci.h"
#include "tests/moto_server.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::CommandResult;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Replace(const std::filesystem::path& p, const std::string& from,
             const std::string& to) {
  std::string text = Read(p);
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  std::ofstream(p) << text;
}

// Base64 as EC2 returns user data.
std::string Unbase64(const std::string& in) {
  static const std::string kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, value = 0;
  for (char c : in) {
    size_t v = kChars.find(c);
    if (v == std::string::npos) continue;
    value = value << 6 | static_cast<int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

class Ec2CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!moto_.Start(dir_.path().string(), &why, MotoEnv())) {
      if (testing::InCi()) FAIL() << "CI=true: " << why;
      GTEST_SKIP() << why << "; CI runs this";
    }
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    setenv("OCCOPUS_AUTH_DATA_PATH", (dir_.path() / "no-auth-data.yaml").c_str(), 1);
  }
  virtual std::map<std::string, std::string> MotoEnv() { return {}; }

  // examples/ec2 in the test's folder, pointed at moto_server.
  std::string Example() {
    std::filesystem::path work = dir_.path() / "ec2";
    std::filesystem::copy(testing::SourceDir() + "/examples/ec2", work,
                          std::filesystem::copy_options::recursive);
    Replace(work / "nodes/node_definitions.yaml", "http://127.0.0.1:5000", moto_.url());
    return work.string();
  }

  CommandResult Occam(const std::string& work, const std::string& args) {
    return testing::RunCommand("cd " + work + " && " + testing::OccamBinary() +
                               " " + args + " 2>&1");
  }

  // Running (or pending) instances of `address` ("" for all of occam's).
  std::vector<Ec2Instance> Live(const std::string& address = "") {
    return address.empty() ? moto_.Instances("occam.lineage", "")
                           : moto_.Instances("occam.address", address);
  }

  // The addresses and provider ids the state lists.
  std::map<std::string, std::string> StateIds(const std::string& work) {
    std::map<std::string, std::string> out;
    std::string text = Occam(work, "state list").out;
    std::istringstream lines(text);
    for (std::string address; std::getline(lines, address);) {
      std::string shown = Occam(work, "state show '" + address + "'").out;
      std::smatch m;
      if (std::regex_search(shown, m, std::regex("provider_id\\s+= \"(i-[0-9a-f]+)@"))) {
        out[address] = m[1];
      }
    }
    return out;
  }

  std::string UserData(const std::string& instance) {
    std::string xml;
    moto_.Client().Call("DescribeInstanceAttribute",
                        {{"InstanceId", instance}, {"Attribute", "userData"}}, &xml);
    pugi::xml_document doc;
    doc.load_string(xml.c_str());
    return Unbase64(doc.document_element().child("userData").child("value").text().as_string());
  }

  testing::TempDir dir_;
  testing::MotoServer moto_;
};

TEST_F(Ec2CliTest, TheExampleAppliesScalesHealsAndDestroys) {
  std::string work = Example();
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  ASSERT_EQ(3u, Live().size());
  std::vector<Ec2Instance> db = Live("db[0]"), app = Live("app[0]");
  ASSERT_EQ(1u, db.size());
  ASSERT_EQ(1u, app.size());
  EXPECT_EQ("running", app[0].state);
  EXPECT_EQ("micado-ec2", app[0].tags["project"]);  // the user's tags too
  EXPECT_EQ(36u, app[0].tags["occam.instance"].size());

  // The user data is the rendered context, with the db's private address.
  std::string user_data = UserData(app[0].id);
  EXPECT_EQ(0u, user_data.rfind("#cloud-config\n", 0)) << user_data;
  EXPECT_NE(std::string::npos, user_data.find("DB_HOST=" + db[0].private_ip)) << user_data;
  EXPECT_NE(std::string::npos, user_data.find("Hello from occam on EC2")) << user_data;
  std::map<std::string, std::string> ids = StateIds(work);
  EXPECT_EQ(app[0].id, ids["app[0]"]);
  EXPECT_EQ(db[0].id, ids["db[0]"]);

  // A count change adds instances.
  r = Occam(work, "scale app 3 -f infra.yaml");
  ASSERT_EQ(0, r.exit_code) << r.out;
  r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(5u, Live().size());
  EXPECT_EQ(1u, Live("app[2]").size());

  // An instance terminated behind occam's back is gone at the next plan,
  // and the apply recreates it.
  ASSERT_TRUE(moto_.Client().TerminateInstances({Live("app[1]")[0].id}).ok());
  r = Occam(work, "plan -f infra.yaml");
  EXPECT_NE(std::string::npos, r.out.find("app[1] is gone")) << r.out;
  r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(5u, Live().size());
  ASSERT_EQ(1u, Live("app[1]").size());
  EXPECT_EQ(Live("app[1]")[0].id, StateIds(work)["app[1]"]);

  r = Occam(work, "destroy -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_TRUE(Live().empty());
  EXPECT_EQ(5u, moto_.Instances("occam.lineage", "", {"terminated", "shutting-down"}).size() -
                    1u);  // app[1]'s first object was terminated before
}

// kill -9 of applies and destroys of 10 instances at random moments, then a
// full apply: exactly 10 running instances with occam's tags, each the one
// the state names. Nothing left behind, nothing twice. (Applies run one
// create at a time and are killed 20 to 600 ms in, destroys 5 to 120 ms
// in: most rounds stop half way. The narrow moment between RunInstances
// and the commit that records the instance is forced by the next test.)
TEST_F(Ec2CliTest, KillNineDuringAppliesLeavesNoDuplicateAndNoOrphan) {
  std::string work = Example();
  Replace(std::filesystem::path(work) / "infra.yaml", "      min: 1\n", "      min: 8\n");
  Replace(std::filesystem::path(work) / "infra.yaml", "      max: 5\n", "      max: 8\n");
  std::mt19937 random(20261207);
  int interrupted = 0;
  for (int round = 0; round < 10; ++round) {
    bool destroy = round % 2 == 1;
    int delay_ms = destroy ? std::uniform_int_distribution<int>(5, 120)(random)
                           : std::uniform_int_distribution<int>(20, 600)(random);
    std::string log = work + "/round" + std::to_string(round) + ".log";
    // The shell that starts occam kills and reaps it.
    testing::RunCommand("cd " + work + " && (" + testing::OccamBinary() +
                        (destroy ? " destroy" : " apply") +
                        " -f infra.yaml --auto-approve --parallelism=1 --lock-timeout 10s > " +
                        log + " 2>&1 & pid=$!; sleep " + std::to_string(delay_ms / 1000.0) +
                        "; kill -9 $pid; wait $pid) >/dev/null 2>&1");
    if (Read(log).find(" complete!") == std::string::npos) ++interrupted;
  }
  std::cout << "rounds stopped half way: " << interrupted << " of 10\n";
  EXPECT_GE(interrupted, 3) << "the kills came too late to interrupt much";
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve --lock-timeout 10s");
  ASSERT_EQ(0, r.exit_code) << r.out;
  std::vector<Ec2Instance> live = Live();
  ASSERT_EQ(10u, live.size());  // db, manager and 8 apps
  std::map<std::string, std::string> ids = StateIds(work);
  ASSERT_EQ(10u, ids.size());
  std::set<std::string> addresses;
  for (const Ec2Instance& i : live) {
    std::string address = i.tags.at("occam.address");
    EXPECT_TRUE(addresses.insert(address).second) << "twice: " << address;
    EXPECT_EQ(ids[address], i.id) << address << " is not the state's object";
  }
  r = Occam(work, "destroy -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  EXPECT_TRUE(Live().empty());
}

// The moment a kill -9 orphans an instance unless its tags find it again:
// RunInstances has answered, the commit recording the instance has not
// happened. The state is put in that shape (the instance "creating", no
// id); the next apply must leave exactly one instance for it.
TEST_F(Ec2CliTest, AnInstanceRunBeforeACrashIsNeverOrphaned) {
  std::string work = Example();
  ASSERT_EQ(0, Occam(work, "apply -f infra.yaml --auto-approve").exit_code);
  std::string before = Live("app[0]")[0].id;
  CommandResult crash = testing::RunCommand(
      "/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('" + work +
      "/occam.db'); c.execute(\\\"UPDATE instances SET status = 'creating', "
      "provider_id = '' WHERE address = 'app[0]'\\\"); c.commit()\" 2>&1");
  ASSERT_EQ(0, crash.exit_code) << crash.out;
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  std::vector<Ec2Instance> app = Live("app[0]");
  ASSERT_EQ(1u, app.size()) << "the interrupted create's instance was orphaned";
  EXPECT_EQ(app[0].id, StateIds(work)["app[0]"]);
  EXPECT_EQ(3u, Live().size());
  EXPECT_NE(before, app[0].id);  // replaced, as an interrupted create is
}

TEST_F(Ec2CliTest, AnInstanceWithItsTagsIsAdoptedNotDuplicated) {
  std::string work = Example();
  ASSERT_EQ(0, Occam(work, "apply -f infra.yaml --auto-approve").exit_code);
  std::string app = Live("app[0]")[0].id;
  // The state loses app[0] (restored from an older copy, say): the next
  // apply finds its instance by its tags and records it again.
  CommandResult rm = testing::RunCommand(
      "/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('" + work +
      "/occam.db'); c.execute(\\\"DELETE FROM instances WHERE address = 'app[0]'\\\"); "
      "c.commit()\" 2>&1");
  ASSERT_EQ(0, rm.exit_code) << rm.out;
  ASSERT_EQ(0u, StateIds(work).count("app[0]"));
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  ASSERT_EQ(1u, Live("app[0]").size());
  EXPECT_EQ(app, Live("app[0]")[0].id);
  EXPECT_EQ(app, StateIds(work)["app[0]"]);
  EXPECT_EQ(3u, Live().size());
}

// import adopts instances run outside occam: one as the descriptor says
// (no change planned), one of another type (planned to change), and
// refuses one that carries another state's tags.
TEST_F(Ec2CliTest, ImportAdoptsInstancesRunOutsideOccam) {
  std::string work = Example();
  Ec2Client cloud = moto_.Client();
  auto run = [&](const std::string& type, const std::string& lineage) {
    QueryParams p{{"ImageId", "ami-1e749f67"}, {"InstanceType", type}};
    if (!lineage.empty()) {
      p.push_back({"TagSpecification.1.ResourceType", "instance"});
      p.push_back({"TagSpecification.1.Tag.1.Key", "occam.lineage"});
      p.push_back({"TagSpecification.1.Tag.1.Value", lineage});
    }
    Ec2Instance i;
    Ec2Error e;
    EXPECT_TRUE(cloud.RunInstance(p, &i, &e).ok()) << e.code << " " << e.message;
    return i.id;
  };
  std::string same = run("t3.micro", ""), other = run("t3.large", ""),
              owned = run("t3.micro", "another-lineage");
  CommandResult r = Occam(work, "import -f infra.yaml db[0] " + same);
  EXPECT_EQ(0, r.exit_code) << r.out;
  r = Occam(work, "import -f infra.yaml ec2.manager[0] " + other);
  EXPECT_EQ(0, r.exit_code) << r.out;
  r = Occam(work, "import -f infra.yaml app[0] " + owned);
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("another state (lineage another-lineage")) << r.out;
  r = Occam(work, "import -f infra.yaml app[0] i-00000000000000000");
  EXPECT_EQ(1, r.exit_code);
  EXPECT_NE(std::string::npos, r.out.find("no live instance i-00000000000000000")) << r.out;
  EXPECT_EQ(same, StateIds(work)["db[0]"]);
  EXPECT_EQ(other, StateIds(work)["manager[0]"]);
  ASSERT_EQ(0, Occam(work, "plan -f infra.yaml -out=p").exit_code);
  json plan = json::parse(Occam(work, "show -json p").out, nullptr, false);
  std::map<std::string, json> actions;
  for (const json& c : plan["resource_changes"]) actions[c["address"]] = c["change"]["actions"];
  EXPECT_EQ(json({"no-op"}), actions["db[0]"]) << plan["resource_changes"];
  EXPECT_NE(json({"no-op"}), actions["manager[0]"]) << plan["resource_changes"];
  EXPECT_NE(std::string::npos, Occam(work, "history --limit 2").out.find("manager[0] imported"));
  ASSERT_EQ(0, Occam(work, "destroy --auto-approve").exit_code);
  std::vector<Ec2Instance> left;
  cloud.DescribeInstances({{"instance-id", {same, other, owned}},
                           {"instance-state-name", {"pending", "running"}}},
                          &left);
  ASSERT_EQ(1u, left.size());  // destroy deleted what it imported, not the other state's
  EXPECT_EQ(owned, left[0].id);
}

// A create-before-destroy's successor carries the same tags as the old
// instance, which stays until the successor runs: it is not adopted.
TEST_F(Ec2CliTest, CreateBeforeDestroyRunsANewInstanceBesideTheOld) {
  std::string work = Example();
  Replace(std::filesystem::path(work) / "infra.yaml", "    type: app\n",
          "    type: app\n    lifecycle: {create_before_destroy: true}\n");
  ASSERT_EQ(0, Occam(work, "apply -f infra.yaml --auto-approve").exit_code);
  std::string old = Live("app[0]")[0].id;
  ASSERT_EQ(0, Occam(work, "taint 'app[0]'").exit_code);
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  ASSERT_EQ(0, r.exit_code) << r.out;
  std::vector<Ec2Instance> now = Live("app[0]");
  ASSERT_EQ(1u, now.size());
  EXPECT_NE(old, now[0].id);
  EXPECT_EQ(now[0].id, StateIds(work)["app[0]"]);
  EXPECT_EQ(1u, moto_.Instances("occam.address", "app[0]", {"terminated"}).size());
}

// The corpus's tutorials, changed only where a cloud's own names go: the
// endpoint, the region (moto_server knows AWS's only) and the security
// groups and subnet, which must exist in the cloud (moto_server refuses
// unknown ones, as EC2 does). Image, instance type and key pair stay the
// tutorial's placeholders: moto_server does not check them unless asked.
TEST_F(Ec2CliTest, TheCorpusTutorialsApply) {
  std::filesystem::path corpus = testing::SourceDir() + "/../shared/corpus/occopus";
  if (!std::filesystem::exists(corpus / "ec2-ping")) {
    if (testing::InCi()) FAIL() << "CI=true: the shared corpus must be beside the clone";
    GTEST_SKIP() << "no ../shared/corpus beside this clone";
  }
  // What a user creates in the cloud before the tutorial: two security
  // groups and a subnet.
  auto created = [&](const std::string& action, const QueryParams& params,
                     const char* field) {
    std::string xml;
    Status s = moto_.Client().Call(action, params, &xml);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::smatch m;
    std::regex_search(xml, m, std::regex(std::string("<") + field + ">([^<]+)<"));
    return m[1].str();
  };
  // A loopback subnet (moto_server allows it): the instances' addresses
  // are 127.1.1.x, so the tutorials' default health check (ping) stays on
  // this machine.
  std::string vpc = created("CreateVpc", {{"CidrBlock", "127.1.0.0/16"}}, "vpcId");
  std::string subnet = created("CreateSubnet", {{"VpcId", vpc}, {"CidrBlock", "127.1.1.0/24"}},
                               "subnetId");
  std::string sg1 = created("CreateSecurityGroup", {{"GroupName", "ssh"}, {"GroupDescription", "ssh"},
                            {"VpcId", vpc}}, "groupId");
  std::string sg2 = created("CreateSecurityGroup", {{"GroupName", "ping"}, {"GroupDescription", "ping"},
                            {"VpcId", vpc}}, "groupId");
  for (const std::string name : {"ec2-helloworld", "ec2-ping"}) {
    SCOPED_TRACE(name);
    std::filesystem::path work = dir_.path() / name;
    std::filesystem::copy(corpus / name, work, std::filesystem::copy_options::recursive);
    std::filesystem::path nodes = work / "nodes/node_definitions.yaml";
    Replace(nodes, "replace_with_endpoint_of_ec2_interface_of_your_cloud", moto_.url());
    Replace(nodes, "replace_with_security_group_id1_on_your_target_cloud", sg1);
    Replace(nodes, "replace_with_security_group_id2_on_your_target_cloud", sg2);
    Replace(nodes, "replace_with_subnet_id_on_your_target_cloud", subnet);
    // moto_server knows AWS's regions only.
    Replace(nodes, "replace_with_regionname_of_your_ec2_interface", "us-east-1");
    std::string infra = "infra-" + name + ".yaml";
    CommandResult r = Occam(work.string(), "apply -f " + infra + " --auto-approve");
    ASSERT_EQ(0, r.exit_code) << r.out;
    std::map<std::string, std::string> ids = StateIds(work.string());
    ASSERT_EQ(name == "ec2-ping" ? 2u : 1u, ids.size());
    for (const auto& [address, id] : ids) {
      std::vector<Ec2Instance> live = Live(address);
      ASSERT_EQ(1u, live.size()) << address;
      EXPECT_EQ(id, live[0].id);
      EXPECT_EQ(0u, live[0].private_ip.rfind("127.1.1.", 0)) << live[0].private_ip;
      EXPECT_EQ(0u, UserData(id).rfind("#cloud-config\n", 0));
    }
    if (name == "ec2-ping") {
      // The sender pings the receiver by the address getip gives: its
      // public one, or (in a subnet that gives none) its private one.
      Ec2Instance receiver_instance = Live("ping-receiver[0]")[0];
      std::string receiver = receiver_instance.public_ip.empty()
                                 ? receiver_instance.private_ip
                                 : receiver_instance.public_ip;
      ASSERT_FALSE(receiver.empty());
      EXPECT_NE(std::string::npos,
                UserData(ids["ping-sender[0]"]).find("ping " + receiver + " -c 5"));
    }
    r = Occam(work.string(), "destroy -f " + infra + " --auto-approve");
    ASSERT_EQ(0, r.exit_code) << r.out;
  }
  EXPECT_TRUE(Live().empty());
}

// Keys the cloud does not know: EC2's code and message, what to do, where
// the resource is defined; the secret never shown.
class Ec2AuthTest : public Ec2CliTest {
  std::map<std::string, std::string> MotoEnv() override {
    return {{"INITIAL_NO_AUTH_ACTION_COUNT", "0"}};
  }
};

TEST_F(Ec2AuthTest, UnknownKeysAreReportedWithWhatToDo) {
  std::string work = Example();
  setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNKEY000000", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-never-shown", 1);
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(
      "Error: db\\[0\\]: DescribeInstances at http://127.0.0.1:[0-9]+ \\(region "
      "us-east-1\\) failed: (AuthFailure|InvalidClientTokenId|UnrecognizedClientException): ")))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Check the credentials occam signs with")) << r.out;
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("\\(resource defined at nodes/node_definitions.yaml:[0-9]+:15\\)")))
      << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Skipped")) << r.out;  // dependents
  EXPECT_EQ(std::string::npos, r.out.find("s3cr3t")) << r.out;
  EXPECT_TRUE(Live().empty());
}

// A cloud that checks images and instance types, as EC2 does.
class Ec2ValidatingTest : public Ec2CliTest {
  std::map<std::string, std::string> MotoEnv() override {
    return {{"MOTO_ENABLE_AMI_VALIDATION", "true"},
            {"MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION", "true"}};
  }
};

TEST_F(Ec2ValidatingTest, AnUnknownImageOrInstanceTypeSaysWhichAndWhatToDo) {
  std::string work = Example();
  std::filesystem::path nodes = std::filesystem::path(work) / "nodes/node_definitions.yaml";
  Replace(nodes, "ami-1e749f67", "ami-00000000000000000");
  CommandResult r = Occam(work, "apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("RunInstances at " + moto_.url())) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("InvalidAMIID")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("image_id names no image")) << r.out;
  EXPECT_TRUE(Live().empty());

  Replace(nodes, "ami-00000000000000000", "ami-1e749f67");
  Replace(nodes, "t3.micro", "t3.enormous");
  r = Occam(work, "apply -f infra.yaml --auto-approve");
  EXPECT_EQ(1, r.exit_code) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("t3.enormous")) << r.out;
  EXPECT_NE(std::string::npos, r.out.find("Check instance_type")) << r.out;
  EXPECT_TRUE(Live().empty());

  // Fixed, the next apply builds it all.
  Replace(nodes, "t3.enormous", "t3.micro");
  r = Occam(work, "apply -f infra.yaml --auto-approve");
  EXPECT_EQ(0, r.exit_code) << r.out;
  EXPECT_EQ(3u, Live().size());
  EXPECT_EQ(0, Occam(work, "destroy -f infra.yaml --auto-approve").exit_code);
}

}  // namespace
}  // namespace occam
