// One suite for every provider: create, read, update where supported,
// delete, find by tag, and errors — against real processes and programs.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>

#include "providers/docker_provider.h"
#include "providers/docker_service_provider.h"
#include "providers/dummy_provider.h"
#include "providers/ec2_provider.h"
#include "providers/exec_provider.h"
#include "providers/process_provider.h"
#include "tests/ci.h"
#include "tests/docker_engine.h"
#include "tests/moto_server.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

struct ProviderCase {
  std::string name;
  std::function<std::unique_ptr<Provider>(const testing::TempDir&)> make;
  // A resource configuration that creates successfully, and one that fails.
  std::function<json(const testing::TempDir&)> good;
  std::function<json(const testing::TempDir&)> bad;
  bool updates = false;
  enum class Needs { kMachine, kDocker, kSwarm, kMoto } needs = Needs::kMachine;
  // For providers that update in place: a changed configuration, and what
  // the world (the file, the running tasks) shows of an object - "before"
  // for `good`, "after" for `changed`. Read from the world itself, never
  // from the provider's answer.
  std::function<json(const testing::TempDir&)> changed = nullptr;
  std::function<std::string(const ResourceObject&)> world = nullptr;
  std::string world_before = "", world_after = "";
};

// What `command` prints, without the last newline.
std::string Output(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[256];
    while (fgets(buffer, sizeof buffer, p)) out += buffer;
    pclose(p);
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The greeting the sample exec provider wrote into the object's file.
std::string ExecFileGreeting(const ResourceObject& o) {
  std::ifstream in(o.outputs.value("path", ""));
  json file = json::parse(in, nullptr, false);
  return file.is_object() ? file["content"].value("greeting", "") : "";
}

// How many of the service's tasks the swarm reports running.
std::string RunningTasks(const ResourceObject& o) {
  return Output("docker service ps " + o.outputs.value("service_id", "") +
                " --format '{{.CurrentState}}' | grep -c '^Running'");
}

// A process with a file it is reloaded for (files + reload).
json ProcessConf(const std::string& text) {
  return json{{"command", {"sleep", "300"}},
              {"grace_period", 1},
              {"files", {{"conf.txt", text}}},
              {"reload", {{"command", {"true"}}}}};
}

// conf.txt in the process's working directory, as the process sees it.
std::string ProcessFile(const ResourceObject& o) {
  std::ifstream in("/proc/" + std::to_string(o.outputs.value("pid", 0)) +
                   "/cwd/conf.txt");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A container with a file it is reloaded for (files + reload).
json DockerConf(const std::string& text) {
  return json{{"resource",
               {{"endpoint", "unix:///var/run/docker.sock"},
                {"origin", "local"},
                {"image", testing::kTestImage},
                {"tag", testing::kTestImageTag},
                {"grace_period", 1},
                {"files", {{"/etc/conf.txt", text}}},
                {"reload", {{"signal", "HUP"}}}}},
              {"contextualisation",
               {{"type", "docker"},
                {"env", {"message=hi"}},
                {"command", "sh -c 'trap \"\" HUP; sleep 300 & wait; sleep 300'"}}}};
}

// /etc/conf.txt as the running container holds it.
std::string ContainerFile(const ResourceObject& o) {
  return Output("docker exec " + o.id + " cat /etc/conf.txt 2>/dev/null");
}

// One moto_server for the test process, started by the first ec2 case.
// Stopped when the process exits (static destructors).
testing::MotoServer* Moto() {
  static testing::TempDir dir;
  static testing::MotoServer moto;
  static std::string why;
  static bool started = moto.Start(dir.path().string(), &why);
  return started ? &moto : nullptr;
}

std::string MotoUrl() { return Moto() ? Moto()->url() : "http://127.0.0.1:1"; }

json Ec2Conf(const std::string& image, const std::string& region = "us-east-1") {
  return json{{"resource",
               {{"endpoint", MotoUrl()},
                {"regionname", region},
                {"image_id", image},
                {"instance_type", "t3.micro"},
                {"tags", {{"team", "conformance"}}}}},
              {"contextualisation",
               {{"type", "cloudinit"},
                {"context_template", "#cloud-config\nruncmd: [true]\n"}}}};
}

std::unique_ptr<Provider> MakeEc2(const testing::TempDir& dir) {
  ProviderOptions options;
  options.state_dir = dir.path().string();
  CredentialSources credentials;
  credentials.env = {{"AWS_ACCESS_KEY_ID", "test"}, {"AWS_SECRET_ACCESS_KEY", "test"}};
  Ec2RetryPolicy retry;
  retry.attempts = 2;
  retry.first_delay_s = 0.05;
  return std::make_unique<Ec2Provider>(options, credentials, retry, 0.05);
}

void PrintTo(const ProviderCase& c, std::ostream* os) { *os << c.name; }

class ProviderConformance : public ::testing::TestWithParam<ProviderCase> {
 protected:
  void SetUp() override {
    if (GetParam().needs == ProviderCase::Needs::kMoto && !Moto()) {
      if (testing::InCi()) FAIL() << "CI=true: moto_server must run";
      GTEST_SKIP() << "moto_server is not installed (pip install "
                      "'moto[server]'); CI runs this";
    }
    if (GetParam().needs != ProviderCase::Needs::kMachine &&
        GetParam().needs != ProviderCase::Needs::kMoto) {
      OCCAM_REQUIRE_DOCKER(GetParam().needs == ProviderCase::Needs::kSwarm);
    }
    setenv("FILE_PROVIDER_DIR", dir_.Path("objects").c_str(), 1);
    provider_ = GetParam().make(dir_);
  }
  void TearDown() override {
    for (const std::string& id : created_) provider_->Delete(id);
  }

  // `config` is the resource section, or a whole configuration when it
  // has one ({"resource": …, "contextualisation": …}).
  ResourceRequest Request(const std::string& address, json config) {
    ResourceRequest r;
    r.address = address;
    r.config = config.contains("resource") ? config
                                           : json{{"resource", config}};
    r.tags = MakeOwnershipTags(lineage_, address);
    return r;
  }

  ResourceObject CreateOrFail(const std::string& address) {
    ResourceObject object;
    Status s = provider_->Create(Request(address, GetParam().good(dir_)), &object);
    EXPECT_TRUE(s.ok()) << s.ToString();
    created_.push_back(object.id);
    return object;
  }

  testing::TempDir dir_;
  std::unique_ptr<Provider> provider_;
  std::vector<std::string> created_;
  std::string lineage_ = "lineage-" + std::to_string(getpid());
};

TEST_P(ProviderConformance, CreatedObjectCanBeRead) {
  ResourceObject created = CreateOrFail("app[0]");
  EXPECT_FALSE(created.id.empty());
  EXPECT_FALSE(created.outputs.value("ip", "").empty());
  ResourceObject read;
  Status s = provider_->Read(created.id, &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.id, read.id);
}

TEST_P(ProviderConformance, DeletedObjectIsGoneAndDeleteIsIdempotent) {
  ResourceObject created = CreateOrFail("app[0]");
  ASSERT_TRUE(provider_->Delete(created.id).ok());
  ResourceObject read;
  EXPECT_TRUE(provider_->Read(created.id, &read).IsNotFound());
  EXPECT_TRUE(provider_->Delete(created.id).ok());
}

TEST_P(ProviderConformance, FindsItsObjectsByTag) {
  ResourceObject a = CreateOrFail("app[0]");
  ResourceObject b = CreateOrFail("app[1]");
  std::vector<ResourceObject> found;
  ASSERT_TRUE(provider_->FindByTags(MakeOwnershipTags(lineage_, "app[1]"),
                                    &found).ok());
  ASSERT_EQ(1u, found.size());
  EXPECT_EQ(b.id, found[0].id);
  EXPECT_EQ("app[1]", found[0].tags.at(kAddressTag));
  ASSERT_TRUE(provider_->FindByTags({{kLineageTag, lineage_}}, &found).ok());
  EXPECT_EQ(2u, found.size());
  ASSERT_TRUE(provider_->FindByTags({{kLineageTag, "other"}}, &found).ok());
  EXPECT_TRUE(found.empty());
}

TEST_P(ProviderConformance, FailedCreateIsAnError) {
  ResourceObject object;
  Status s = provider_->Create(Request("app[0]", GetParam().bad(dir_)), &object);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.message().empty());
}

TEST_P(ProviderConformance, UpdateChangesTheWorldAndBack) {
  const ProviderCase& c = GetParam();
  if (!c.world) GTEST_SKIP() << c.name << " does not update in place";
  auto shows = [&](const ResourceObject& o, const std::string& want) {
    std::string seen;
    for (int i = 0; i < 300 && (seen = c.world(o)) != want; ++i) {
      usleep(100'000);
    }
    EXPECT_EQ(want, seen);
  };
  ResourceObject created = CreateOrFail("app[0]");
  shows(created, c.world_before);
  ResourceObject updated;
  Status s = provider_->Update(created.id, Request("app[0]", c.changed(dir_)),
                               &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  shows(updated, c.world_after);
  s = provider_->Update(created.id, Request("app[0]", c.good(dir_)), &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  shows(updated, c.world_before);
}

TEST_P(ProviderConformance, UpdateWhereSupported) {
  ResourceObject created = CreateOrFail("app[0]");
  ResourceObject updated;
  Status s = provider_->Update(created.id,
                               Request("app[0]", GetParam().good(dir_)),
                               &updated);
  EXPECT_EQ(GetParam().updates, s.ok()) << s.ToString();
  if (s.ok()) {
    EXPECT_EQ(created.id, updated.id);
  }
}

std::string SampleExecProvider() {
  return std::string(OCCAM_SOURCE_DIR) + "/examples/exec-provider/file_provider.py";
}

INSTANTIATE_TEST_SUITE_P(
    Providers, ProviderConformance,
    ::testing::Values(
        ProviderCase{"Dummy",
                     [](const testing::TempDir&) {
                       return std::unique_ptr<Provider>(new DummyProvider());
                     },
                     [](const testing::TempDir&) { return json::object(); },
                     [](const testing::TempDir&) {
                       return json{{"fail", true}};
                     },
                     true},
        ProviderCase{"Process",
                     [](const testing::TempDir& dir) {
                       ProviderOptions options;
                       options.state_dir = dir.path().string();
                       return std::unique_ptr<Provider>(
                           new ProcessProvider(options));
                     },
                     [](const testing::TempDir&) { return ProcessConf("before"); },
                     [](const testing::TempDir&) {
                       return json{{"command", "exit 3"}};
                     },
                     true, ProviderCase::Needs::kMachine,
                     // Its file rewritten and reloaded, the same process.
                     [](const testing::TempDir&) { return ProcessConf("after"); },
                     ProcessFile, "before", "after"},
        ProviderCase{"Exec",
                     [](const testing::TempDir&) {
                       return std::unique_ptr<Provider>(new ExecProvider(30));
                     },
                     [](const testing::TempDir&) {
                       return json{{"program", {"python3", SampleExecProvider()}},
                                   {"config", {{"greeting", "hi"}}}};
                     },
                     [](const testing::TempDir&) {
                       return json{{"program", "echo broken >&2; exit 4"}};
                     },
                     true, ProviderCase::Needs::kMachine,
                     [](const testing::TempDir&) {
                       return json{{"program", {"python3", SampleExecProvider()}},
                                   {"config", {{"greeting", "hello"}}}};
                     },
                     ExecFileGreeting, "hi", "hello"},
        ProviderCase{"Docker",
                     [](const testing::TempDir& dir) {
                       ProviderOptions options;
                       options.state_dir = dir.path().string();
                       return std::unique_ptr<Provider>(
                           new DockerProvider(options));
                     },
                     [](const testing::TempDir&) { return DockerConf("before"); },
                     [](const testing::TempDir&) {
                       return json{{"endpoint", "unix:///var/run/docker.sock"},
                                   {"origin", "local"},
                                   {"image", "occam-test/no-such-image"},
                                   {"tag", "1"}};
                     },
                     true, ProviderCase::Needs::kDocker,
                     // Its file rewritten in the running container.
                     [](const testing::TempDir&) { return DockerConf("after"); },
                     ContainerFile, "before", "after"},
        ProviderCase{"DockerService",
                     [](const testing::TempDir& dir) {
                       ProviderOptions options;
                       options.state_dir = dir.path().string();
                       return std::unique_ptr<Provider>(
                           new DockerServiceProvider(options));
                     },
                     [](const testing::TempDir&) {
                       return json{{"image", testing::kTestImage},
                                   {"tag", testing::kTestImageTag},
                                   {"command", "sleep 300"},
                                   {"replicas", 1}};
                     },
                     [](const testing::TempDir&) {
                       return json{{"image", testing::kTestImage},
                                   {"tag", testing::kTestImageTag},
                                   {"mode", "sometimes"}};
                     },
                     true, ProviderCase::Needs::kSwarm,
                     // Scaled up, then down: the running tasks follow.
                     [](const testing::TempDir&) {
                       return json{{"image", testing::kTestImage},
                                   {"tag", testing::kTestImageTag},
                                   {"command", "sleep 300"},
                                   {"replicas", 2}};
                     },
                     RunningTasks, "1", "2"},
        // Against moto_server; an instance cannot be updated in place.
        ProviderCase{"Ec2", MakeEc2,
                     [](const testing::TempDir&) { return Ec2Conf("ami-1e749f67"); },
                     [](const testing::TempDir&) {
                       json c = Ec2Conf("ami-1e749f67");
                       c["resource"]["security_group_ids"] = {"sg-does-not-exist"};
                       return c;
                     },
                     false, ProviderCase::Needs::kMoto}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace occam
