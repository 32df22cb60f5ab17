// What the process provider documents beyond the conformance suite:
// working_dir, the log file, port_range and PORT, and SIGKILL after the
// grace period - each checked on the real process.
#include "providers/process_provider.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/process_identity.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

class ProcessProviderTest : public ::testing::Test {
 protected:
  ProcessProviderTest() : provider_(Options()) {}
  ~ProcessProviderTest() override {
    for (const std::string& id : created_) provider_.Delete(id);
  }

  ProviderOptions Options() {
    ProviderOptions o;
    o.state_dir = dir_.path().string();
    return o;
  }

  ResourceObject Create(const std::string& address, json resource) {
    ResourceRequest r;
    r.address = address;
    r.config = {{"resource", resource}};
    r.tags = MakeOwnershipTags("lineage-process-test", address);
    ResourceObject o;
    Status s = provider_.Create(r, &o);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (s.ok()) created_.push_back(o.id);
    return o;
  }

  // The text of `path` once it has some (the process writes it soon after
  // it starts).
  static std::string Eventually(const std::string& path) {
    std::string text;
    for (int i = 0; i < 300 && text.empty(); ++i) {
      std::ifstream in(path);
      std::stringstream s;
      s << in.rdbuf();
      text = s.str();
      if (text.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return text;
  }

  testing::TempDir dir_;
  ProcessProvider provider_;
  std::vector<std::string> created_;
};

TEST_F(ProcessProviderTest, RunsInItsWorkingDirAndLogsItsOutput) {
  std::filesystem::create_directories(dir_.path() / "wd");
  ResourceObject o = Create(
      "app[0]", {{"command", {"sh", "-c", "pwd > where; echo hello; "
                                          "echo oops >&2; exec sleep 30"}},
                 {"working_dir", dir_.Path("wd")},
                 {"grace_period", 1}});
  EXPECT_EQ(dir_.Path("wd") + "\n", Eventually(dir_.Path("wd/where")));
  std::string log = o.outputs.value("log", "");
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(0u, log.rfind(dir_.path().string(), 0)) << log;
  std::string text = Eventually(log);
  for (int i = 0; i < 100 && text.find("oops") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    text = Eventually(log);
  }
  EXPECT_NE(std::string::npos, text.find("hello\n")) << text;
  EXPECT_NE(std::string::npos, text.find("oops\n")) << text;
}

TEST_F(ProcessProviderTest, PortRangeGivesEachInstanceItsOwnPort) {
  json resource = {{"command", {"sh", "-c", "echo $PORT > port.$PORT; "
                                            "exec sleep 30"}},
                   {"working_dir", dir_.path().string()},
                   {"port_range", "20400-20401"},
                   {"grace_period", 1}};
  ResourceObject a = Create("app[0]", resource);
  ResourceObject b = Create("app[1]", resource);
  int pa = a.outputs.value("port", 0), pb = b.outputs.value("port", 0);
  EXPECT_NE(pa, pb);
  for (int port : {pa, pb}) {
    EXPECT_TRUE(port == 20400 || port == 20401) << port;
    // The process itself was told its port.
    EXPECT_EQ(std::to_string(port) + "\n",
              Eventually(dir_.Path("port." + std::to_string(port))));
  }
  ResourceRequest third;
  third.address = "app[2]";
  third.config = {{"resource", resource}};
  ResourceObject o;
  Status s = provider_.Create(third, &o);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ("app[2]: no free port in port_range 20400-20401", s.message());
}

TEST_F(ProcessProviderTest, AProcessIgnoringSigtermIsKilledAfterTheGracePeriod) {
  ResourceObject o = Create(
      "app[0]", {{"command", {"sh", "-c", "trap '' TERM; echo ready; "
                                          "while :; do sleep 0.1; done"}},
                 {"grace_period", 0.5}});
  int pid = o.outputs.value("pid", 0);
  ASSERT_GT(pid, 0);
  Eventually(o.outputs.value("log", ""));  // the trap is set
  // It ignores SIGTERM: only the SIGKILL after the grace period ends it.
  Status s = provider_.Delete(o.id);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_LT(ProcessStartTime(pid), 0) << "process " << pid << " survived";
}

// files are written before the process starts; with reload, Update
// rewrites them and signals the same process, which keeps its pid.
TEST_F(ProcessProviderTest, FilesAreWrittenAndReloadKeepsTheProcess) {
  json resource = {
      {"command", {"sh", "-c", "trap 'cat conf/app.conf >> seen' HUP; "
                               "cat conf/app.conf > seen; while :; do sleep 0.05; done"}},
      {"files", {{"conf/app.conf", "one\n"}}},
      {"reload", {{"signal", "HUP"}}},
      {"grace_period", 1}};
  ResourceObject o = Create("lb[0]", resource);
  EXPECT_EQ("one\n", Eventually(dir_.Path("seen")));
  struct stat st {};
  ASSERT_EQ(0, stat(dir_.Path("conf/app.conf").c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);

  resource["files"]["conf/app.conf"] = "two\n";
  ResourceRequest update{"lb[0]", {{"resource", resource}},
                         MakeOwnershipTags("lineage-process-test", "lb[0]"), {}};
  ResourceObject after;
  Status s = provider_.Update(o.id, update, &after);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(o.id, after.id);
  std::string seen;
  for (int i = 0; i < 200 && seen != "one\ntwo\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = Eventually(dir_.Path("seen"));
  }
  EXPECT_EQ("one\ntwo\n", seen);

  // Without reload there is no update in place; paths stay inside.
  resource.erase("reload");
  ResourceRequest plain{"lb[0]", {{"resource", resource}},
                        MakeOwnershipTags("lineage-process-test", "lb[0]"), {}};
  EXPECT_EQ(Status::Code::kInvalidArgument, provider_.Update(o.id, plain, &after).code());
  for (const char* bad : {"../escape", "/tmp/abs", ""}) {
    ResourceRequest r{"bad[0]", {{"resource", {{"command", "exec sleep 30"},
                                               {"files", {{bad, "x"}}}}}},
                      MakeOwnershipTags("lineage-process-test", "bad[0]"), {}};
    ResourceObject none;
    Status refused = provider_.Create(r, &none);
    EXPECT_EQ(Status::Code::kInvalidArgument, refused.code()) << bad;
    EXPECT_NE(std::string::npos, refused.message().find("must be a relative path inside"))
        << refused.message();
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path().parent_path() / "escape"));
}

}  // namespace
}  // namespace occam
