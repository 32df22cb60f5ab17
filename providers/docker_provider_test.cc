// The docker and docker_service providers against a real Docker Engine
// (scripts/docker-up): images, env and command, published ports, drift,
// the stop grace period, and in-place replica changes.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "providers/docker_config.h"
#include "providers/docker_provider.h"
#include "providers/docker_service_provider.h"
#include "providers/health_check.h"
#include "tests/docker_engine.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;

class DockerProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OCCAM_REQUIRE_DOCKER(false);
    options_.state_dir = dir_.path().string();
    provider_ = std::make_unique<DockerProvider>(options_);
  }
  void TearDown() override {
    if (!provider_) return;
    std::vector<ResourceObject> mine;
    provider_->FindByTags({{kLineageTag, lineage_}}, &mine);
    for (const ResourceObject& o : mine) provider_->Delete(o.id);
  }

  ResourceRequest Request(json resource, json context = json()) {
    ResourceRequest r;
    r.address = "web[0]";
    json base = {{"endpoint", "unix:///var/run/docker.sock"},
                 {"origin", "local"},
                 {"image", testing::kTestImage},
                 {"tag", testing::kTestImageTag},
                 {"grace_period", 1}};
    if (!resource.is_null()) base.update(resource);
    r.config = {{"resource", base}};
    if (!context.is_null()) r.config["contextualisation"] = context;
    r.tags = MakeOwnershipTags(lineage_, r.address);
    return r;
  }

  json Inspect(const std::string& id) {
    json info;
    Status s = testing::LocalDocker().Call("GET", "/containers/" + id + "/json",
                                           json(), &info);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return info;
  }

  testing::TempDir dir_;
  ProviderOptions options_;
  std::unique_ptr<DockerProvider> provider_;
  std::string lineage_ = "docker-test-" + std::to_string(getpid());
};

TEST_F(DockerProviderTest, MissingImageSaysHowToGetIt) {
  ResourceObject o;
  Status s = provider_->Create(Request({{"image", "occam-test/absent"}}), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("occam-test/absent:1"));
  EXPECT_NE(std::string::npos, s.message().find("origin"));
  s = provider_->Create(
      Request({{"image", "occam-test/absent"}, {"origin", "no-such.tar"}}), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("no-such.tar"));
}

TEST_F(DockerProviderTest, UnreachableEndpointIsAClearError) {
  ResourceObject o;
  Status s = provider_->Create(
      Request({{"endpoint", "replace_with_your_docker_endpoint"}}), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("unix:///var/run/docker.sock"));
  s = provider_->Create(
      Request({{"endpoint", "unix://" + dir_.Path("no.sock")}}), &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("is dockerd running?"));
}

TEST_F(DockerProviderTest, ImportsTheImageFromAnOriginTarball) {
  // A root filesystem tarball, as Occopus's docker tutorials publish them.
  std::string root = dir_.Path("root");
  std::string image = "occam-test/imported-" + std::to_string(getpid());
  std::string make =
      "mkdir -p " + root + "/bin && cp /bin/busybox " + root +
      "/bin/ && ln -s busybox " + root + "/bin/sh && ln -s busybox " + root +
      "/bin/sleep && tar -C " + root + " -cf " + dir_.Path("rootfs.tar") + " .";
  ASSERT_EQ(0, std::system(make.c_str()));
  ResourceObject o;
  Status s = provider_->Create(
      Request({{"image", image}, {"tag", "7"}, {"origin", "rootfs.tar"}},
              {{"type", "docker"}, {"command", "sleep 300"}}),
      &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(image + ":7", Inspect(o.id)["Config"]["Image"]);
  EXPECT_TRUE(provider_->Delete(o.id).ok());
  testing::LocalDocker().Call("DELETE", "/images/" + image + ":7?force=1",
                              json(), nullptr);
}

// A process serving `dir` over HTTP on 127.0.0.1 (python3's http.server),
// or forwarding a TCP port to the engine's unix socket; stopped when the
// test ends. `*port` is where it listens.
class LocalServer {
 public:
  explicit LocalServer(const std::string& script) {
    port_ = 22000 + getpid() % 20000;
    pid_ = fork();
    if (pid_ == 0) {
      std::string p = std::to_string(port_);
      execlp("python3", "python3", "-c", script.c_str(), p.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    // Ready once it accepts a connection.
    for (int i = 0; i < 250; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port_));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      close(fd);
      if (up) break;
      usleep(20'000);
    }
  }
  ~LocalServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_;
  int port_;
};

TEST_F(DockerProviderTest, ImportsTheImageFromAnOriginUrl) {
  std::string root = dir_.Path("root");
  std::string image = "occam-test/from-url-" + std::to_string(getpid());
  std::string make =
      "mkdir -p " + root + "/bin && cp /bin/busybox " + root +
      "/bin/ && ln -s busybox " + root + "/bin/sh && ln -s busybox " + root +
      "/bin/sleep && tar -C " + root + " -cf " + dir_.Path("rootfs.tar") + " .";
  ASSERT_EQ(0, std::system(make.c_str()));
  LocalServer http(
      "import functools, http.server, sys\n"
      "h = functools.partial(http.server.SimpleHTTPRequestHandler, "
      "directory='" + dir_.path().string() + "')\n"
      "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), h)"
      ".serve_forever()\n");
  std::string url =
      "http://127.0.0.1:" + std::to_string(http.port()) + "/rootfs.tar";
  ResourceObject o;
  Status s = provider_->Create(
      Request({{"image", image}, {"tag", "3"}, {"origin", url}},
              {{"type", "docker"}, {"command", "sleep 300"}}),
      &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(image + ":3", Inspect(o.id)["Config"]["Image"]);
  EXPECT_TRUE(provider_->Delete(o.id).ok());
  testing::LocalDocker().Call("DELETE", "/images/" + image + ":3?force=1",
                              json(), nullptr);
}

// An engine reached over TCP (here the local one, through a forwarder on
// 127.0.0.1): the same create, read and delete.
TEST_F(DockerProviderTest, ATcpEndpointWorksLikeTheSocket) {
  LocalServer forward(
      "import socket, sys, threading\n"
      "def pipe(a, b):\n"
      "    try:\n"
      "        while True:\n"
      "            d = a.recv(65536)\n"
      "            if not d: break\n"
      "            b.sendall(d)\n"
      "    except OSError: pass\n"
      "    finally:\n"
      "        for s in (a, b):\n"
      "            try: s.shutdown(socket.SHUT_RDWR)\n"
      "            except OSError: pass\n"
      "l = socket.socket()\n"
      "l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
      "l.bind(('127.0.0.1', int(sys.argv[1])))\n"
      "l.listen(16)\n"
      "while True:\n"
      "    c, _ = l.accept()\n"
      "    u = socket.socket(socket.AF_UNIX)\n"
      "    u.connect('/var/run/docker.sock')\n"
      "    threading.Thread(target=pipe, args=(c, u), daemon=True).start()\n"
      "    threading.Thread(target=pipe, args=(u, c), daemon=True).start()\n");
  std::string endpoint = "tcp://127.0.0.1:" + std::to_string(forward.port());
  ResourceObject o;
  Status s = provider_->Create(
      Request({{"endpoint", endpoint}},
              {{"type", "docker"}, {"command", "sleep 300"}}),
      &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ResourceObject read;
  s = provider_->Read(o.id, &read);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("running",
            Inspect(read.outputs.value("name", ""))["State"]["Status"])
      << read.outputs;
  EXPECT_TRUE(provider_->Delete(o.id).ok());
}

TEST_F(DockerProviderTest, RunsTheContextualisedCommandWithEnvAndLabels) {
  ResourceObject o;
  ASSERT_TRUE(provider_
                  ->Create(Request({}, {{"type", "docker"},
                                        {"env", {"message=hello there"}},
                                        {"command", "sh -c 'sleep 300'"}}),
                           &o)
                  .ok());
  json info = Inspect(o.id);
  EXPECT_TRUE(info["State"]["Running"].get<bool>());
  json cmd = info["Config"]["Cmd"];
  EXPECT_EQ(json({"sh", "-c", "sleep 300"}), cmd);
  bool has_env = false;
  for (const json& e : info["Config"]["Env"]) {
    has_env = has_env || e == "message=hello there";
  }
  EXPECT_TRUE(has_env);
  EXPECT_EQ(lineage_, info["Config"]["Labels"][kLineageTag]);
  EXPECT_EQ("web[0]", info["Config"]["Labels"][kAddressTag]);
  EXPECT_TRUE(info["HostConfig"]["Init"].get<bool>());
}

TEST_F(DockerProviderTest, PublishesPortsOnLoopback) {
  int port = 20000 + getpid() % 20000;
  ResourceObject o;
  Status s = provider_->Create(
      Request({{"ports", {std::to_string(port) + ":80"}}},
              {{"type", "docker"}, {"command", "httpd -f -p 80 -h /www"}}),
      &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(std::to_string(port), o.outputs["ports"]["80/tcp"]);
  EXPECT_EQ("127.0.0.1",
            Inspect(o.id)["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"]);
  HealthCheckSpec check;
  check.ping = false;
  check.urls = {"http://127.0.0.1:" + std::to_string(port) + "/index.html"};
  check.timeout_seconds = 20;
  std::atomic<bool> cancel{false};
  Status ready = NetworkHealthChecker().WaitReady(check, o.outputs, &cancel);
  EXPECT_TRUE(ready.ok()) << ready.ToString();
}

TEST_F(DockerProviderTest, AnExitedContainerReadsAsDrifted) {
  ResourceObject o;
  ASSERT_TRUE(provider_
                  ->Create(Request({}, {{"type", "docker"},
                                        {"command", "sh -c 'exit 7'"}}),
                           &o)
                  .ok());
  ResourceObject read;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(provider_->Read(o.id, &read).ok());
    if (!read.drift.empty()) break;
    usleep(50'000);
  }
  EXPECT_NE(std::string::npos, read.drift.find("exit code 7")) << read.drift;
}

TEST_F(DockerProviderTest, DeleteKillsAContainerThatIgnoresSigterm) {
  ResourceObject o;
  ASSERT_TRUE(provider_
                  ->Create(Request({}, {{"type", "docker"},
                                        {"command",
                                         "sh -c 'trap \"\" TERM; sleep 300 & "
                                         "wait; sleep 300'"}}),
                           &o)
                  .ok());
  ASSERT_TRUE(provider_->Delete(o.id).ok());
  ResourceObject read;
  EXPECT_TRUE(provider_->Read(o.id, &read).IsNotFound());
}

// What `docker exec ID cat PATH` prints; "" when the file is not there.
std::string CatInContainer(const std::string& id, const std::string& path) {
  std::string cmd = "docker exec " + id + " cat " + path + " 2>/dev/null";
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string text;
  char buf[256];
  size_t n;
  while (pipe && (n = fread(buf, 1, sizeof buf, pipe.get())) > 0) text.append(buf, n);
  return text;
}

// Polls CatInContainer for up to 10 s until it says `want`.
std::string AwaitFile(const std::string& id, const std::string& path,
                      const std::string& want) {
  std::string got;
  for (int i = 0; i < 100 && (got = CatInContainer(id, path)) != want; ++i) {
    usleep(100'000);
  }
  return got;
}

// The command of a container that copies /etc/app/conf at start and at
// every SIGHUP, so the tests can see which version it read.
constexpr char kConfReader[] =
    "sh -c 'cat /etc/app/conf > /tmp/at-start; "
    "trap \"cat /etc/app/conf > /tmp/at-hup\" HUP; "
    "while true; do sleep 0.2; done'";

TEST_F(DockerProviderTest, FilesAreThereBeforeTheCommandAndChangeInPlace) {
  ResourceObject o;
  ResourceRequest request =
      Request({{"files", {{"/etc/app/conf", "v1\n"}}}, {"reload", {{"signal", "HUP"}}}},
              {{"type", "docker"}, {"command", kConfReader}});
  Status s = provider_->Create(request, &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("v1\n", AwaitFile(o.id, "/tmp/at-start", "v1\n"));
  std::string started = Inspect(o.id)["State"]["StartedAt"];

  request.config["resource"]["files"]["/etc/app/conf"] = "v2\n";
  ResourceObject updated;
  s = provider_->Update(o.id, request, &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(o.id, updated.id);
  EXPECT_EQ("v2\n", AwaitFile(o.id, "/tmp/at-hup", "v2\n"));
  json info = Inspect(o.id);
  EXPECT_EQ(started, info["State"]["StartedAt"]) << "the container restarted";
  EXPECT_TRUE(info["State"]["Running"].get<bool>());
  EXPECT_EQ("v1\n", CatInContainer(o.id, "/tmp/at-start"));
}

TEST_F(DockerProviderTest, AReloadCommandRunsInTheContainerAndCanFail) {
  ResourceObject o;
  ResourceRequest request = Request(
      {{"files", {{"/etc/app/conf", "v1\n"}}},
       {"reload", {{"command", {"sh", "-c", "cat /etc/app/conf > /tmp/by-exec"}}}}},
      {{"type", "docker"}, {"command", "sleep 300"}});
  ASSERT_TRUE(provider_->Create(request, &o).ok());
  request.config["resource"]["files"]["/etc/app/conf"] = "v2\n";
  ResourceObject updated;
  Status s = provider_->Update(o.id, request, &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("v2\n", CatInContainer(o.id, "/tmp/by-exec"));

  request.config["resource"]["reload"]["command"] = "sh -c 'echo broken >&2; exit 3'";
  s = provider_->Update(o.id, request, &updated);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("web[0]: reload command exited "
                                                "with status 3: broken"))
      << s.message();
}

TEST_F(DockerProviderTest, AReloadMayRestartTheSameContainer) {
  ResourceObject o;
  ResourceRequest request =
      Request({{"files", {{"/etc/app/conf", "v1\n"}}}, {"reload", {{"restart", true}}}},
              {{"type", "docker"}, {"command", kConfReader}});
  ASSERT_TRUE(provider_->Create(request, &o).ok());
  ASSERT_EQ("v1\n", AwaitFile(o.id, "/tmp/at-start", "v1\n"));
  std::string started = Inspect(o.id)["State"]["StartedAt"];
  request.config["resource"]["files"]["/etc/app/conf"] = "v2\n";
  ResourceObject updated;
  Status s = provider_->Update(o.id, request, &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ("v2\n", AwaitFile(o.id, "/tmp/at-start", "v2\n"));
  json info = Inspect(o.id);
  EXPECT_NE(started, info["State"]["StartedAt"]);
  EXPECT_TRUE(info["State"]["Running"].get<bool>());
}

TEST_F(DockerProviderTest, BadFilesOrReloadAreRefusedBeforeAContainerIsMade) {
  std::vector<json> bad = {
      {{"files", {{"etc/app/conf", "x"}}}},
      {{"files", {{"/etc/../conf", "x"}}}},
      {{"files", "not a mapping"}},
      {{"files", {{"/a", "x"}}}, {"reload", {{"signal", ""}}}},
      {{"files", {{"/a", "x"}}}, {"reload", {{"restart", false}}}},
      {{"files", {{"/a", "x"}}}, {"reload", {{"signal", "HUP"}, {"restart", true}}}},
      {{"files", {{"/a", "x"}}}, {"reload", {{"command", json::array()}}}},
  };
  for (const json& resource : bad) {
    ResourceObject o;
    Status s = provider_->Create(
        Request(resource, {{"type", "docker"}, {"command", "sleep 300"}}), &o);
    EXPECT_FALSE(s.ok()) << resource.dump();
    EXPECT_EQ(0u, s.message().find("web[0]: ")) << s.message();
  }
  EXPECT_TRUE(
      testing::ContainersLabelled({std::string(kLineageTag) + "=" + lineage_})
          .empty());
}

class DockerServiceProviderTest : public DockerProviderTest {
 protected:
  void SetUp() override {
    OCCAM_REQUIRE_DOCKER(true);
    options_.state_dir = dir_.path().string();
    provider_ = nullptr;
    service_ = std::make_unique<DockerServiceProvider>(options_);
  }
  void TearDown() override {
    if (!service_) return;
    std::vector<ResourceObject> mine;
    service_->FindByTags({{kLineageTag, lineage_}}, &mine);
    for (const ResourceObject& o : mine) service_->Delete(o.id);
  }
  ResourceRequest Service(int replicas) {
    ResourceRequest r;
    r.address = "app[0]";
    r.config = {{"resource",
                 {{"image", testing::kTestImage},
                  {"tag", testing::kTestImageTag},
                  {"command", "sleep 300"},
                  {"replicas", replicas}}}};
    r.tags = MakeOwnershipTags(lineage_, r.address);
    return r;
  }
  size_t RunningContainers() {
    size_t running = 0;
    for (const json& c :
         testing::ContainersLabelled({std::string(kLineageTag) + "=" + lineage_})) {
      if (c.value("State", "") == "running") ++running;
    }
    return running;
  }
  std::unique_ptr<DockerServiceProvider> service_;
};

TEST_F(DockerServiceProviderTest, ReplicasChangeInPlace) {
  ResourceObject created;
  Status s = service_->Create(Service(2), &created);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(2, created.outputs["running"]);
  EXPECT_EQ(2u, RunningContainers());

  ResourceObject updated;
  s = service_->Update(created.id, Service(3), &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(created.id, updated.id);
  EXPECT_EQ(3, updated.outputs["replicas"]);
  EXPECT_EQ(3, updated.outputs["running"]);

  s = service_->Update(created.id, Service(1), &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(1, updated.outputs["replicas"]);
  // The world, not the echo: the swarm stops the tasks scaled away.
  for (int i = 0; i < 300 && RunningContainers() != 1u; ++i) usleep(100'000);
  EXPECT_EQ(1u, RunningContainers());

  ASSERT_TRUE(service_->Delete(created.id).ok());
  EXPECT_EQ(0u, testing::ContainersLabelled(
                    {std::string(kLineageTag) + "=" + lineage_})
                    .size());
}

TEST_F(DockerServiceProviderTest, FilesAreSwarmConfigsAndAChangeRollsTheTasks) {
  auto running_ids = [&] {
    std::set<std::string> ids;
    for (const json& c : testing::ContainersLabelled(
             {std::string(kLineageTag) + "=" + lineage_})) {
      if (c.value("State", "") == "running") ids.insert(c["Id"].get<std::string>());
    }
    return ids;
  };
  auto configs = [&] {
    json list;
    EXPECT_TRUE(testing::LocalDocker()
                    .Call("GET",
                          "/configs?filters=" +
                              UrlEncode(json{{"label",
                                              {std::string(kLineageTag) + "=" + lineage_}}}
                                            .dump()),
                          json(), &list)
                    .ok());
    return list.size();
  };
  ResourceRequest r = Service(1);
  r.config["resource"]["files"] = {{"/etc/app/conf", "v1\n"}};
  ResourceObject o;
  Status s = service_->Create(r, &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::set<std::string> first = running_ids();
  ASSERT_EQ(1u, first.size());
  EXPECT_EQ("v1\n", CatInContainer(*first.begin(), "/etc/app/conf"));
  EXPECT_EQ(1u, configs());

  // Same files, more replicas: the first task keeps running as it was.
  r.config["resource"]["replicas"] = 2;
  ResourceObject updated;
  ASSERT_TRUE(service_->Update(o.id, r, &updated).ok());
  std::set<std::string> two = running_ids();
  EXPECT_EQ(2u, two.size());
  EXPECT_TRUE(two.count(*first.begin())) << "an unchanged file restarted a task";

  // A changed file: a new config, and every task rolled onto it.
  r.config["resource"]["files"]["/etc/app/conf"] = "v2\n";
  s = service_->Update(o.id, r, &updated);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(o.id, updated.id);
  for (int i = 0; i < 300 && running_ids().size() != 2u; ++i) usleep(100'000);
  std::set<std::string> rolled = running_ids();
  ASSERT_EQ(2u, rolled.size());
  for (const std::string& c : rolled) {
    EXPECT_FALSE(two.count(c)) << "task " << c << " was not rolled";
    EXPECT_EQ("v2\n", CatInContainer(c, "/etc/app/conf"));
  }
  EXPECT_EQ(1u, configs()) << "the old config was left behind";

  ASSERT_TRUE(service_->Delete(o.id).ok());
  EXPECT_EQ(0u, configs());
}

TEST_F(DockerServiceProviderTest, FilesOutsideAnAbsolutePathAreRefused) {
  ResourceRequest r = Service(1);
  r.config["resource"]["files"] = {{"etc/conf", "x"}};
  ResourceObject o;
  Status s = service_->Create(r, &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("app[0]: files: 'etc/conf' must be "
                                                "an absolute path"))
      << s.message();
  EXPECT_EQ(0u, RunningContainers());
}

TEST_F(DockerServiceProviderTest, GlobalModeRunsOneTaskAndPublishesItsPort) {
  int port = 21000 + getpid() % 20000;
  ResourceRequest r = Service(1);
  r.config["resource"].erase("replicas");
  r.config["resource"]["mode"] = "global";
  r.config["resource"]["command"] = "httpd -f -p 8080 -h /www";
  r.config["resource"]["ports"] = {std::to_string(port) + ":8080"};
  ResourceObject o;
  Status s = service_->Create(r, &o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(1u, RunningContainers());  // one node, one task
  HealthCheckSpec check;
  check.ping = false;
  check.urls = {"http://127.0.0.1:" + std::to_string(port) + "/index.html"};
  check.timeout_seconds = 30;
  std::atomic<bool> cancel{false};
  Status ready = NetworkHealthChecker().WaitReady(check, o.outputs, &cancel);
  EXPECT_TRUE(ready.ok()) << ready.ToString();
  EXPECT_TRUE(service_->Delete(o.id).ok());
}

TEST_F(DockerServiceProviderTest, ATaskThatCannotStartIsReportedWithItsError) {
  ResourceRequest r = Service(1);
  r.config["resource"]["command"] = "/no/such/program";
  r.config["resource"]["converge_timeout"] = 5;
  ResourceObject o;
  Status s = service_->Create(r, &o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("did not run steadily"))
      << s.message();
  EXPECT_NE(std::string::npos, s.message().find("non-zero exit (127)"))
      << s.message();
  EXPECT_FALSE(o.id.empty());  // recorded, so the next apply replaces it
}

}  // namespace
}  // namespace occam
