// occam serve end to end with the process provider: the daemon is started
// as a user would, driven over HTTP with curl (the Alertmanager webhook and
// the Occopus REST API), and stopped with SIGTERM.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "state/sqlite_state_store.h"
#include "state/state_lock.h"
#include "tests/ci.h"
#include "tests/moto_server.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::CommandResult;

class ServeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy(testing::SourceDir() + "/examples/micado",
                          dir_.path() / "micado",
                          std::filesystem::copy_options::recursive);
    work_ = (dir_.path() / "micado").string();
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  // Starts occam serve on a free port; serve.pid is occam's own pid (exec),
  // serve.rc its exit code.
  void Start(const std::string& extra_args = "") {
    std::filesystem::remove(work_ + "/serve.out");
    std::filesystem::remove(work_ + "/serve.rc");
    port_.clear();
    stopped_ = false;
    testing::RunCommand("cd " + work_ + " && (sh -c 'echo $$ > serve.pid; exec " +
                        testing::OccamBinary() +
                        " serve " + descriptor_args_ + " --listen 127.0.0.1:0 "
                        "--interval 1s " + extra_args +
                        "' > serve.out 2> serve.err; echo $? > "
                        "serve.rc) >/dev/null 2>&1 &");
    for (int i = 0; i < 200 && port_.empty(); ++i) {
      std::ifstream in(work_ + "/serve.out");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      std::smatch m;
      if (std::regex_search(text, m, std::regex("127\\.0\\.0\\.1:(\\d+)"))) {
        port_ = m[1];
      }
      usleep(50'000);
    }
    ASSERT_FALSE(port_.empty()) << "occam serve did not start";
    std::ifstream token(work_ + "/occam-serve.token");
    std::getline(token, token_);
    ASSERT_FALSE(token_.empty());
  }

  void TearDown() override {
    Stop();
    testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                        " destroy --auto-approve");
  }

  // SIGTERM to occam serve; its exit code.
  int Stop() {
    if (stopped_ || port_.empty()) return -1;
    stopped_ = true;
    testing::RunCommand("kill -TERM $(cat " + work_ + "/serve.pid)");
    for (int i = 0; i < 600; ++i) {
      std::ifstream rc(work_ + "/serve.rc");
      int code = -1;
      if (rc >> code) return code;
      usleep(50'000);
    }
    return -1;
  }

  // curl: the HTTP status, and the body in `*body`.
  int Http(const std::string& method, const std::string& path,
           const std::string& data = "", bool auth = true,
           std::string* body = nullptr) {
    std::string file = work_ + "/request.body";
    std::ofstream(file) << data;
    CommandResult r = testing::RunCommand(
        "curl -s -o " + work_ + "/response.body -w '%{http_code}' -X " +
        method + (method == "POST" ? " --data-binary @" + file : "") +
        (auth ? " -H 'Authorization: Bearer " + token_ + "'" : "") +
        " http://127.0.0.1:" + port_ + path);
    if (body) {
      std::ifstream in(work_ + "/response.body");
      body->assign(std::istreambuf_iterator<char>(in), {});
    }
    return std::atoi(r.out.c_str());
  }

  std::string InfraId() {
    std::string body;
    EXPECT_EQ(200, Http("GET", "/infrastructures/", "", false, &body));
    json ids = json::parse(body, nullptr, false);
    if (!ids.is_object() || !ids["infrastructures"].is_array() ||
        ids["infrastructures"].empty()) {
      return "";
    }
    return ids["infrastructures"][0].get<std::string>();
  }

  json Infra() {
    std::string body;
    EXPECT_EQ(200, Http("GET", "/infrastructures/" + InfraId(), "", false, &body));
    return json::parse(body, nullptr, false);
  }

  // Waits until app has `count` ready instances, as the REST API says.
  bool WaitForApps(int count) {
    for (int i = 0; i < 300; ++i) {
      json infra = Infra();
      if (infra.is_object() && infra["app"]["scaling"]["actual"] == count &&
          infra["app"]["scaling"]["target"] == count) {
        return true;
      }
      usleep(100'000);
    }
    return false;
  }

  std::string Alert(const std::string& direction, const std::string& infra,
                    const std::string& fingerprint, const std::string& node = "app") {
    return json{{"version", "4"},
                {"status", "firing"},
                {"alerts",
                 {{{"status", "firing"},
                   {"fingerprint", fingerprint},
                   {"startsAt", "2026-11-28T00:00:00Z"},
                   {"labels",
                    {{"alertname", node + "_" + direction},
                     {"alert", direction},
                     {"node", node},
                     {"infra_id", infra}}}}}}}
        .dump();
  }

  std::string History() {
    return testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                               " history")
        .out;
  }

  testing::TempDir dir_;
  std::string work_, port_, token_;
  std::string descriptor_args_ = "-f infra.yaml";  // what Start serves
  bool stopped_ = false;
};

TEST_F(ServeCliTest, AlertsAndRestScaleTheInfrastructure) {
  std::string id = InfraId();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitForApps(1));  // the first round builds the descriptor
  EXPECT_EQ(200, Http("GET", "/healthz", "", false));

  // Mutations need the token; bad input gets real status codes.
  EXPECT_EQ(401, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "a"),
                      false));
  EXPECT_EQ(401, Http("POST", "/infrastructures/" + id + "/scaleup/app", "",
                      false));
  EXPECT_EQ(400, Http("POST", "/api/v1/alerts", "{not json"));
  EXPECT_EQ(413, Http("POST", "/api/v1/alerts", std::string(2 << 20, 'x')));
  EXPECT_EQ(404, Http("POST", "/infrastructures/nope/scaleup/app"));
  EXPECT_EQ(404, Http("POST", "/infrastructures/" + id + "/scaleup/nope"));
  EXPECT_EQ(400, Http("POST", "/infrastructures/" + id + "/scaleto/app/x"));
  // Other infrastructures and unknown nodes: 200, counted, no effect, and
  // no event (a webhook of 262,000 such alerts wrote as many rows).
  std::string ignored;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", "other", "b"), true,
                      &ignored));
  EXPECT_EQ(json::parse(R"({"decisions": [], "ignored": {"other_infrastructure": 1}})"),
            json::parse(ignored, nullptr, false))
      << ignored;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts",
                      Alert("overloaded", id, "c", "ghost")));

  // An overload alert adds one instance; its repetition does not.
  std::string body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "d"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"scaled\"")) << body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "d"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"duplicate\"")) << body;
  ASSERT_TRUE(WaitForApps(2));
  json app = Infra()["app"];
  EXPECT_EQ("ready", app["instances"]["app[1]"]["state"]);

  // The new instance is a Prometheus target.
  std::ifstream targets(work_ + "/occam-targets/app.json");
  json groups = json::parse(targets, nullptr, false);
  ASSERT_TRUE(groups.is_array());
  EXPECT_EQ(2u, groups.size());
  EXPECT_EQ("app[1]", groups[1]["labels"]["instance"]);
  EXPECT_EQ(id, groups[1]["labels"]["infra_id"]);

  // The Occopus REST API scales too, within [min, max]; also as Occopus's
  // documentation calls it, `curl -X POST URL`: no body, no Content-Length.
  CommandResult bare = testing::RunCommand(
      "curl -s -o /dev/null -w '%{http_code}' --max-time 3 -X POST "
      "-H 'Authorization: Bearer " + token_ + "' http://127.0.0.1:" + port_ +
      "/infrastructures/" + id + "/scaleup/app");
  EXPECT_EQ("200", bare.out);
  EXPECT_EQ(3, Infra()["app"]["scaling"]["target"]);
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + id + "/scaleto/app/9"));
  ASSERT_TRUE(WaitForApps(5));
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + id + "/scaledown/app/3"));
  ASSERT_TRUE(WaitForApps(4));
  EXPECT_FALSE(Infra()["app"]["instances"].contains("app[3]"));

  std::string metrics;
  EXPECT_EQ(200, Http("GET", "/metrics", "", false, &metrics));
  EXPECT_NE(std::string::npos, metrics.find("occam_desired_instances{node=\"app\"} 4"));
  EXPECT_NE(std::string::npos,
            metrics.find("occam_scaling_decisions_total{cause=\"alert\","
                         "outcome=\"other_infrastructure\"} 1"));

  std::string history = History();
  EXPECT_NE(std::string::npos, history.find("app: desired count 1 -> 2  [alert]"));
  EXPECT_NE(std::string::npos, history.find("already acted on this alert"));
  EXPECT_EQ(std::string::npos, history.find("for infrastructure 'other'"));
  EXPECT_NE(std::string::npos, history.find("[rest]"));

  EXPECT_EQ(0, Stop());
}

// examples/ec2 under occam serve, against moto_server: an alert and the
// Occopus REST API scale the app's EC2 instances up and down; what the
// cloud holds is read from moto_server itself.
class ServeEc2Test : public ServeCliTest {
 protected:
  void SetUp() override {
    work_ = dir_.path().string();
    std::string why;
    if (!moto_.Start(dir_.path().string(), &why)) {
      if (testing::InCi()) FAIL() << "CI=true: " << why;
      GTEST_SKIP() << why << "; CI runs this";
    }
    setenv("AWS_ACCESS_KEY_ID", "test", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
    std::filesystem::copy(testing::SourceDir() + "/examples/ec2",
                          dir_.path() / "ec2",
                          std::filesystem::copy_options::recursive);
    work_ = (dir_.path() / "ec2").string();
    std::string nodes = work_ + "/nodes/node_definitions.yaml";
    std::ifstream in(nodes);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text = std::regex_replace(text, std::regex("http://127\\.0\\.0\\.1:5000"), moto_.url());
    std::ofstream(nodes) << text;
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  // The app's running instances in the cloud.
  size_t AppsInCloud() {
    size_t n = 0;
    for (const Ec2Instance& i : moto_.Instances("occam.lineage", "")) {
      auto it = i.tags.find("occam.address");
      if (it != i.tags.end() && it->second.rfind("app[", 0) == 0) ++n;
    }
    return n;
  }

  testing::MotoServer moto_;
};

TEST_F(ServeEc2Test, AlertsAndRestScaleEc2Instances) {
  std::string id = InfraId();
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitForApps(1));
  EXPECT_EQ(1u, AppsInCloud());
  EXPECT_EQ(3u, moto_.Instances("occam.lineage", "").size());

  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "e1")));
  ASSERT_TRUE(WaitForApps(2));
  EXPECT_EQ(2u, AppsInCloud());
  json app = Infra()["app"];
  EXPECT_EQ("ready", app["instances"]["app[1]"]["state"]);

  EXPECT_EQ(200, Http("POST", "/infrastructures/" + id + "/scaleup/app"));
  ASSERT_TRUE(WaitForApps(3));
  EXPECT_EQ(3u, AppsInCloud());
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + id + "/scaledown/app"));
  ASSERT_TRUE(WaitForApps(2));
  EXPECT_EQ(2u, AppsInCloud());
  EXPECT_EQ(0, Stop());

  CommandResult destroyed = testing::RunCommand(
      "cd " + work_ + " && " + testing::OccamBinary() +
      " destroy -f infra.yaml --auto-approve 2>&1");
  EXPECT_EQ(0, destroyed.exit_code) << destroyed.out;
  EXPECT_TRUE(moto_.Instances("occam.lineage", "").empty());
}

// curl sending a chunked body of 64 KiB pieces for up to 20 s, giving up
// after 8 s: curl's exit code, 28 when the daemon was still reading then.
// (Whether curl sees the answer or a reset depends on how much it had sent
// when the daemon closed; the daemon's own count says what it answered.)
int EndlessChunkedPost(const std::string& url, const std::string& auth) {
  CommandResult r = testing::RunCommand(
      "for i in $(seq 100); do head -c 65536 /dev/zero || exit; sleep 0.2; "
      "done | curl -s -o /dev/null --max-time 8 -H 'Expect:' "
      "-H 'Transfer-Encoding: chunked' " + auth + " -T - -X POST " + url +
      "; echo $?");
  return std::atoi(r.out.c_str());
}

TEST_F(ServeCliTest, BodiesAreLimitedHoweverSentAndReadOnlyWhenAuthorized) {
  std::string url = "http://127.0.0.1:" + port_ + "/api/v1/alerts";
  auto answered = [&](const std::string& code) {
    std::string metrics;
    EXPECT_EQ(200, Http("GET", "/metrics", "", false, &metrics));
    return metrics.find("occam_http_requests_total{route=\"alerts\",code=\"" +
                        code + "\"} 1") != std::string::npos;
  };
  // Without a token nothing of the body is read: 401 at once.
  EXPECT_NE(28, EndlessChunkedPost(url, ""));
  EXPECT_TRUE(answered("401"));
  // With one, reading stops at the limit: 413, not a read to the end.
  EXPECT_NE(28, EndlessChunkedPost(
                    url, "-H 'Authorization: Bearer " + token_ + "'"));
  EXPECT_TRUE(answered("413"));
}

// One 1 MiB webhook of 262,000 empty alerts wrote as many event rows
// (state 40 KB -> 49 MB) and starved the API for minutes.
TEST_F(ServeCliTest, AlertsPerWebhookAreBoundedAndForeignOnesCostNoRow) {
  auto empty_alerts = [](int n) {
    std::string body = "{\"version\":\"4\",\"alerts\":[";
    for (int i = 0; i < n; ++i) body += i ? ",{}" : "{}";
    return body + "]}";
  };
  std::string body;
  EXPECT_EQ(413, Http("POST", "/api/v1/alerts", empty_alerts(262000), true, &body));
  EXPECT_NE(std::string::npos,
            body.find("the payload holds 262000 alerts; occam serve takes at most 1000 in one "
                      "request (set max_alerts in Alertmanager's webhook_config)"))
      << body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", empty_alerts(1000), true, &body));
  EXPECT_EQ(json::parse(R"({"decisions": [], "ignored": {"not_occams": 1000}})"),
            json::parse(body, nullptr, false))
      << body;
  EXPECT_EQ(std::string::npos, History().find("  alert  ")) << History();
  std::string metrics;
  EXPECT_EQ(200, Http("GET", "/metrics", "", false, &metrics));
  EXPECT_NE(std::string::npos, metrics.find("occam_scaling_decisions_total{cause=\"alert\","
                                            "outcome=\"not_occams\"} 1000"))
      << metrics;
}

TEST_F(ServeCliTest, TheBearerSchemeIsCaseInsensitiveAndTheTokenExact) {
  std::string url = "http://127.0.0.1:" + port_ + "/infrastructures/" +
                    InfraId() + "/scaleto/app/1";
  auto post = [&](const std::string& authorization) {
    return testing::RunCommand("curl -s -o /dev/null -w '%{http_code}' -X "
                               "POST -H 'Authorization: " + authorization +
                               "' " + url)
        .out;
  };
  EXPECT_EQ("200", post("bearer " + token_));
  EXPECT_EQ("200", post("BEARER   " + token_ + " "));
  std::string wrong = token_;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';  // same length
  EXPECT_EQ("401", post("Bearer " + wrong));
  EXPECT_EQ("401", post("Bearer " + token_ + "x"));
  EXPECT_EQ("401", post("Basic " + token_));
  EXPECT_EQ("401", post(token_));
}

TEST_F(ServeCliTest, TokenFilesAndListenAddressesAreChecked) {
  Stop();
  auto serve = [&](const std::string& args) {
    return testing::RunCommand("cd " + work_ + " && timeout 10 " +
                               testing::OccamBinary() +
                               " serve -f infra.yaml " + args);
  };
  std::string file = work_ + "/occam-serve.token";
  chmod(file.c_str(), 0666);
  CommandResult open = serve("--listen 127.0.0.1:0");
  EXPECT_EQ(1, open.exit_code);
  EXPECT_EQ("Error: the token file ./occam-serve.token may be read or "
            "written by other users (mode 0666); run chmod 600 "
            "./occam-serve.token (or 640 to share it with Alertmanager's "
            "group)\n",
            open.out);
  chmod(file.c_str(), 0600);
  std::ofstream(file) << "   \r\n";
  CommandResult blank = serve("--listen 127.0.0.1:0");
  EXPECT_EQ(1, blank.exit_code);
  EXPECT_NE(std::string::npos, blank.out.find("holds no token"))
      << blank.out;
  for (const char* listen : {"127.0.0.1:99999", ":9798", "127.0.0.1"}) {
    CommandResult r = serve(std::string("--listen '") + listen + "'");
    EXPECT_EQ(1, r.exit_code) << listen;
    EXPECT_EQ(std::string("Error: --listen '") + listen +
                  "' is not HOST:PORT with a port from 0 to 65535, e.g. "
                  "127.0.0.1:9798 or [::1]:9798\n",
              r.out);
  }
  // A token written by a Windows editor (CRLF) works as written.
  std::ofstream(file) << "abc123\r\n";
  ASSERT_NO_FATAL_FAILURE(Start());
  token_ = "abc123";
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + InfraId() +
                                  "/scaleto/app/1"));
}

// GET / is a status page a browser shows without a console error: headless
// Chromium (Debian's chromium) loads it, and its screenshot is kept as a
// test artefact (build/*/test-artefacts/status-page.png).
TEST_F(ServeCliTest, TheStatusPageLoadsInABrowser) {
  if (testing::RunCommand("command -v chromium").exit_code != 0) {
    if (testing::InCi()) FAIL() << "chromium is missing; scripts/setup installs it";
    GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
  }
  ASSERT_TRUE(WaitForApps(1));
  std::string id = InfraId();
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "page")));
  ASSERT_TRUE(WaitForApps(2));
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + id + "/scaleto/app/3"));
  ASSERT_TRUE(WaitForApps(3));

  std::string url = "http://127.0.0.1:" + port_ + "/";
  std::string chromium = "timeout 60 chromium --headless --no-sandbox --disable-gpu "
                         "--enable-logging=stderr --v=0 ";
  std::string console = work_ + "/chromium.err";
  CommandResult dom = testing::RunCommand(chromium + "--dump-dom " + url + " 2>" + console);
  ASSERT_EQ(0, dom.exit_code) << dom.out;
  for (const char* shown : {"<b>app[2]</b>", "<b>db[0]</b>", "class=\"ready\">ready",
                            "<svg id=\"graph\"", "<svg class=\"chart\" data-node=\"app\"",
                            "class=\"alert up\"", "app: desired count 2 -&gt; 3",
                            // Ready counts serve sampled, a labelled time
                            // axis, applies among the decisions with who.
                            "<polyline class=\"ready\"", "<text class=\"tick\"",
                            ">now</text>", "<td>serve apply</td><td>applied</td>"}) {
    EXPECT_NE(std::string::npos, dom.out.find(shown)) << shown << "\n" << dom.out;
  }
  std::ifstream err(console);
  std::string log((std::istreambuf_iterator<char>(err)), {});
  EXPECT_EQ(std::string::npos, log.find(":CONSOLE")) << log;
  EXPECT_EQ(std::string::npos, log.find("Failed to load")) << log;

  std::string dir = std::filesystem::path(testing::OccamBinary()).parent_path().parent_path() /
                    "test-artefacts";
  std::filesystem::create_directories(dir);
  std::string png = dir + "/status-page.png";
  std::filesystem::remove(png);
  CommandResult shot = testing::RunCommand(chromium + "--window-size=1200,1400 --screenshot=" +
                                           png + " " + url + " 2>/dev/null");
  ASSERT_EQ(0, shot.exit_code) << shot.out;
  std::ifstream image(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(image)), {});
  EXPECT_EQ("\x89PNG", bytes.substr(0, 4));
  EXPECT_GT(bytes.size(), 10'000u);

  // Read-only, without a token, as the other read routes; HTML, and a
  // policy that lets it load nothing from elsewhere.
  CommandResult head = testing::RunCommand("curl -s -D - -o /dev/null " + url);
  EXPECT_NE(std::string::npos, head.out.find("200 OK")) << head.out;
  EXPECT_NE(std::string::npos, head.out.find("text/html")) << head.out;
  EXPECT_NE(std::string::npos, head.out.find("Content-Security-Policy: default-src 'none'"))
      << head.out;
}

// Forty clients that send a request's headers slowly (slowloris) held all
// 32 threads of the server, and /healthz timed out.
TEST_F(ServeCliTest, SlowClientsDoNotStopHealthzAnswering) {
  std::vector<int> slow;
  for (int i = 0; i < 40; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    const char partial[] = "GET /healthz HTTP/1.1\r\nX-Slow: 1\r\n";
    ASSERT_GT(send(fd, partial, sizeof partial - 1, 0), 0);
    slow.push_back(fd);
  }
  usleep(200'000);  // let the server take them all
  CommandResult healthz = testing::RunCommand(
      "curl -s -o /dev/null -w '%{http_code}' --max-time 3 "
      "http://127.0.0.1:" + port_ + "/healthz");
  EXPECT_EQ("200", healthz.out);
  for (int fd : slow) close(fd);
}

// More than ~512 slow connections (the thread pool's limit then) made
// /healthz wait for the request timeout; at about 1,000 the accept loop
// stopped at the open-file limit. 1,000 slow clients now leave /healthz
// and /metrics answering within a second.
TEST_F(ServeCliTest, AThousandSlowClientsLeaveHealthAndMetricsAnswering) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 2048 && files.rlim_max >= 2048) {
    files.rlim_cur = 2048;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::vector<int> slow;
  for (int i = 0; i < 1000; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0) << "client " << i << ": " << std::strerror(errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr)) << i;
    const char partial[] = "GET /healthz HTTP/1.1\r\nX-Slow: 1\r\n";
    ASSERT_GT(send(fd, partial, sizeof partial - 1, MSG_NOSIGNAL), 0);
    slow.push_back(fd);
  }
  usleep(500'000);  // let the server take them all
  for (const char* path : {"/healthz", "/metrics"}) {
    CommandResult r = testing::RunCommand(
        "curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:" + port_ +
        path);
    EXPECT_EQ("200", r.out) << path;
  }
  for (int fd : slow) close(fd);
}

// After a 401, serve read the unread body as the connection's next
// request: a GET smuggled in the body of a refused POST was answered 200.
TEST_F(ServeCliTest, ARequestInTheBodyOfARefusedOneIsNeverAnswered) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string smuggled = "GET /infrastructures/ HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string request = "POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                              std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  ASSERT_EQ(static_cast<ssize_t>(request.size()),
            send(fd, request.data(), request.size(), MSG_NOSIGNAL));
  std::string answers;
  char buf[4096];
  // The whole 401 first (its headers, then Content-Length bytes) …
  for (;;) {
    size_t end = answers.find("\r\n\r\n");
    std::smatch m;
    if (end != std::string::npos &&
        std::regex_search(answers, m, std::regex("Content-Length: (\\d+)")) &&
        answers.size() >= end + 4 + std::stoul(m[1])) {
      break;
    }
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << answers;
    answers.append(buf, n);
  }
  // … which says the connection closes, and closes it: what is left of the
  // body is never read as a request.
  EXPECT_NE(std::string::npos, answers.find("Connection: close")) << answers;
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) answers.append(buf, n);
  int error = errno;
  close(fd);
  EXPECT_TRUE(n == 0 || (n < 0 && error == ECONNRESET))
      << "the connection stayed open (errno " << error << ")";
  EXPECT_EQ(0u, answers.find("HTTP/1.1 401")) << answers;
  EXPECT_EQ(std::string::npos, answers.find("HTTP/1.1 200")) << answers;
  EXPECT_EQ(std::string::npos, answers.find("infrastructures\":")) << answers;
  std::string body;
  EXPECT_EQ(200, Http("GET", "/healthz", "", false, &body));
}

// A client that sent one header byte every few seconds kept its
// connection (httplib bounds each read, not the request) for as long as it
// liked. With --request-timeout 1s it is closed after about a second, while
// a keep-alive client that takes longer than that over several requests,
// each sent whole, keeps its connection: the clock restarts at each answer.
TEST_F(ServeCliTest, ARequestTimeoutClosesSlowSendersNotKeepAliveClients) {
  Stop();
  ASSERT_NO_FATAL_FAILURE(Start("--request-timeout 1s"));
  auto connect_to_serve = [&] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  };
  int slow = connect_to_serve();
  int keep_alive = connect_to_serve();
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  auto start = std::chrono::steady_clock::now();
  bool slow_closed = false;
  int answered = 0;
  for (int round = 0; round < 4; ++round) {
    // The slow sender: a byte every 300 ms, never the end of the headers.
    for (int i = 0; i < 2 && !slow_closed; ++i) {
      slow_closed = send(slow, "a", 1, MSG_NOSIGNAL) < 0;
      usleep(300'000);
    }
    // The keep-alive client: one whole request per round, on one connection.
    std::string request = head + "1\r\n\r\n";
    ASSERT_EQ(static_cast<ssize_t>(request.size()),
              send(keep_alive, request.data(), request.size(), MSG_NOSIGNAL));
    // One whole answer: its headers, then Content-Length bytes.
    std::string answer;
    char buf[1024];
    size_t end = std::string::npos, length = 0;
    while (end == std::string::npos || answer.size() < end + 4 + length) {
      ssize_t n = recv(keep_alive, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, n);
      end = answer.find("\r\n\r\n");
      std::smatch m;
      if (end != std::string::npos &&
          std::regex_search(answer, m, std::regex("Content-Length: (\\d+)"))) {
        length = std::stoul(m[1]);
      }
    }
    if (answer.find("200 OK") != std::string::npos) ++answered;
  }
  // 2.4 s in: the slow sender has been cut, which it sees as the end of
  // the stream (or a reset) however long it waits.
  char byte;
  ssize_t got = 0;
  if (!slow_closed) got = recv(slow, &byte, 1, 0);
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(slow_closed || got == 0 || (got < 0 && errno == ECONNRESET))
      << "recv gave " << got << " (errno " << errno << ") after " << waited << " s";
  EXPECT_LT(waited, 4.0);
  EXPECT_EQ(4, answered) << "the keep-alive client lost its connection";
  close(slow);
  close(keep_alive);
  CommandResult healthz = testing::RunCommand(
      "curl -s -o /dev/null -w '%{http_code}' --max-time 3 "
      "http://127.0.0.1:" + port_ + "/healthz");
  EXPECT_EQ("200", healthz.out);
}

// /infrastructures/%FF answered 500 with an empty body (the id, not UTF-8,
// threw from the JSON answer); unknown routes answered an empty 404.
TEST_F(ServeCliTest, EveryErrorHasAJsonBody) {
  std::string body;
  EXPECT_EQ(404, Http("GET", "/infrastructures/%FF", "", false, &body));
  json answer = json::parse(body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << body;
  EXPECT_EQ(404, answer["status_code"]);
  EXPECT_EQ(404, Http("GET", "/nosuch", "", false, &body));
  answer = json::parse(body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << body;
  EXPECT_EQ("no route GET /nosuch", answer["reason"]);
}

TEST_F(ServeCliTest, NoAuthTakesChangesWithoutAToken) {
  Stop();
  ASSERT_NO_FATAL_FAILURE(Start("--no-auth"));
  std::ifstream out(work_ + "/serve.out");
  std::string first;
  std::getline(out, first);
  EXPECT_NE(std::string::npos, first.find("(no authentication)")) << first;
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + InfraId() +
                                  "/scaleto/app/2",
                      "", /*auth=*/false));
  EXPECT_TRUE(WaitForApps(2));
}

TEST_F(ServeCliTest, AStaleLockIsTakenOverAndLogged) {
  ASSERT_TRUE(WaitForApps(1));
  EXPECT_EQ(0, Stop());
  // A lock left by a process of this host that has died.
  CommandResult dead = testing::RunCommand("sh -c 'echo $$'");
  LockInfo left = ThisProcessLockInfo("apply");
  left.pid = std::stoi(dead.out);
  left.process_start = 1;
  {
    std::unique_ptr<SqliteStateStore> store;
    ASSERT_TRUE(SqliteStateStore::Open(work_ + "/occam.db", {}, &store).ok());
    LockInfo holder;
    ASSERT_TRUE(store->TryLock(left, &holder).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Start());
  std::string want = "serve took over the stale lock of process " +
                     std::to_string(left.pid) +
                     " (apply), which is no longer running";
  std::string history;
  for (int i = 0; i < 100 && history.find(want) == std::string::npos; ++i) {
    usleep(100'000);
    history = History();
  }
  EXPECT_NE(std::string::npos, history.find(want)) << history;
  EXPECT_EQ(200, Http("POST", "/infrastructures/" + InfraId() +
                                  "/scaleto/app/2"));
  EXPECT_TRUE(WaitForApps(2));
}

TEST_F(ServeCliTest, ARestartKeepsTheCooldownOfEarlierDecisions) {
  std::string id = InfraId();
  ASSERT_TRUE(WaitForApps(1));
  std::string body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "r"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"scaled\"")) << body;
  ASSERT_TRUE(WaitForApps(2));
  ASSERT_EQ(0, Stop());
  ASSERT_NO_FATAL_FAILURE(Start());
  // Alertmanager notifies the same alert again, and another one, within
  // the cooldown (60 s): the restarted daemon remembers from the event log.
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "r"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"duplicate\"")) << body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "s"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"cooldown\"")) << body;
  EXPECT_TRUE(WaitForApps(2));
  EXPECT_EQ(0, Stop());
}

TEST_F(ServeCliTest, ADecisionSurvivesAKilledDaemon) {
  std::string id = InfraId();
  ASSERT_TRUE(WaitForApps(1));
  std::string body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "k"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"scaled\"")) << body;
  // Killed as soon as it answered: the decision is committed, its apply
  // may not have started or finished.
  testing::RunCommand("kill -KILL $(cat " + work_ + "/serve.pid)");
  for (int i = 0; i < 100 && !std::filesystem::exists(work_ + "/serve.rc"); ++i) {
    usleep(50'000);
  }
  stopped_ = true;
  ASSERT_NO_FATAL_FAILURE(Start());
  // The restarted daemon clears the dead one's lock and applies the count.
  EXPECT_TRUE(WaitForApps(2)) << testing::RunCommand("cat " + work_ + "/serve.err").out;
  EXPECT_EQ(0, Stop());
  std::string list = testing::RunCommand("cd " + work_ + " && " +
                                         testing::OccamBinary() + " state list").out;
  EXPECT_NE(std::string::npos, list.find("app[1]")) << list;
  EXPECT_EQ(std::string::npos, list.find("app[2]")) << list;
}

// The pid of a ready instance, or 0 while it is being created or is gone:
// the daemon writes the state while the test reads it.
long ReadyPid(SqliteStateStore* store, const std::string& address) {
  StateSnapshot s;
  if (!store->Load(&s).ok()) return -1;
  auto it = s.instances.find(address);
  if (it == s.instances.end() || it->second.status != InstanceStatus::kReady)
    return 0;
  const json& outputs = it->second.outputs.value();
  return outputs.is_object() ? outputs.value("pid", 0L) : 0;
}

// A drain is bounded (an hour) and SIGTERM ends it: serve stops within a
// second or two, the instance it was draining still runs and is recorded
// as being deleted, and the next apply deletes it.
TEST_F(ServeCliTest, SigtermEndsADrainAndTheNextApplyConverges) {
  ASSERT_TRUE(WaitForApps(1));
  ASSERT_EQ(0, Stop());
  std::string infra = work_ + "/infra.yaml";
  std::string text;
  {
    std::ifstream in(infra);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string forever = text;
  forever.replace(forever.find("      min: 1\n"), 13, "      min: 1\n      drain: 10y\n");
  std::ofstream(infra) << forever;
  CommandResult refused = testing::RunCommand("cd " + work_ + " && " +
                                              testing::OccamBinary() + " validate -f infra.yaml");
  EXPECT_EQ(1, refused.exit_code);
  EXPECT_NE(std::string::npos, refused.out.find("a drain waits at most 1h")) << refused.out;
  std::string minute = text;
  minute.replace(minute.find("      min: 1\n"), 13, "      min: 1\n      drain: 60s\n");
  std::ofstream(infra) << minute;
  ASSERT_EQ(0, testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                                   " apply -f infra.yaml -auto-approve").exit_code);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_EQ(200, Http("POST", "/infrastructures/" + InfraId() + "/scaleto/app/2"));
  ASSERT_TRUE(WaitForApps(2));
  ASSERT_EQ(200, Http("POST", "/infrastructures/" + InfraId() + "/scaleto/app/1"));
  bool draining = false;
  for (int i = 0; i < 100 && !draining; ++i) {
    usleep(100'000);
    draining = testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                                   " state show 'app[1]'")
                   .out.find("\"deleting\"") != std::string::npos;
  }
  ASSERT_TRUE(draining);
  auto start = std::chrono::steady_clock::now();
  int code = Stop();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(0, code);
  EXPECT_LT(seconds, 3.0) << "serve took " << seconds << " s to stop during a 60 s drain";
  std::ofstream(infra) << text;  // the default drain, not another minute
  CommandResult apply = testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                                            " apply -f infra.yaml -auto-approve 2>&1");
  EXPECT_EQ(0, apply.exit_code) << apply.out;
  EXPECT_NE(std::string::npos, apply.out.find("app[1]: Destruction complete")) << apply.out;
  std::string list = testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                                         " state list").out;
  EXPECT_EQ(std::string::npos, list.find("app[1]")) << list;
}

TEST_F(ServeCliTest, ADeadInstanceIsRecreated) {
  ASSERT_TRUE(WaitForApps(1));
  std::unique_ptr<SqliteStateStore> store;
  StateOpenOptions options;
  options.create_if_missing = false;
  ASSERT_TRUE(SqliteStateStore::Open(work_ + "/occam.db", options, &store).ok());
  long pid = 0;
  for (int i = 0; i < 200 && pid == 0; ++i) {
    pid = ReadyPid(store.get(), "app[0]");
    if (pid == 0) usleep(100'000);
  }
  ASSERT_GT(pid, 0) << "app[0] never became ready with a pid";
  kill(-pid, SIGKILL);
  // The interval's refresh notices and the next round recreates it.
  long now = pid;
  for (int i = 0; i < 200 && (now == pid || now <= 0); ++i) {
    usleep(100'000);
    now = ReadyPid(store.get(), "app[0]");
    ASSERT_GE(now, 0) << "the state could not be read";
  }
  EXPECT_GT(now, 0);
  EXPECT_NE(now, pid);
  EXPECT_EQ(0, Stop());
}

}  // namespace
}  // namespace occam

namespace occam {
namespace {

// One system (issue "one system, not two"): what the CLI applies, serve
// follows; what the CLI destroys, serve leaves destroyed; one serve per
// state; the CLI says when a daemon manages the state.
class ServeFollowsCliTest : public ServeCliTest {
 protected:
  std::string Cli(const std::string& args) {
    return testing::RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                               " " + args)
        .out;
  }
  // The MESSAGE environment of app[0] as the state records it.
  std::string AppMessage() {
    std::string shown = Cli("state show 'app[0]'");
    std::smatch m;
    return std::regex_search(shown, m, std::regex("\"MESSAGE\": \"([^\"]*)\""))
               ? m[1].str()
               : "";
  }
  // The state's serial (how many commits it has seen).
  int64_t Serial() {
    std::unique_ptr<SqliteStateStore> store;
    StateSnapshot state;
    if (!SqliteStateStore::Open(work_ + "/occam.db", {}, &store).ok() ||
        !store->Load(&state).ok()) {
      return -1;
    }
    return state.serial;
  }
  // Waits for three rounds of serve (--interval 1s) to pass.
  void ThreeRounds() { usleep(3'500'000); }
};

TEST_F(ServeFollowsCliTest, ServeFollowsWhatTheCliApplied) {
  ASSERT_TRUE(WaitForApps(1));
  EXPECT_EQ("Hello from occam", AppMessage());
  std::string infra = work_ + "/infra.yaml";
  std::string text;
  {
    std::ifstream in(infra);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("Hello from occam"), 16, "Hello, edited");
  std::ofstream(infra) << text;
  std::string apply = Cli("apply -f infra.yaml --auto-approve --lock-timeout 30s");
  EXPECT_NE(std::string::npos, apply.find("Apply complete!")) << apply;
  EXPECT_NE(std::string::npos,
            apply.find("occam serve (pid ")) << apply;
  EXPECT_NE(std::string::npos, apply.find("manages this state; it will follow this apply"))
      << apply;
  ThreeRounds();
  EXPECT_EQ("Hello, edited", AppMessage()) << Cli("history --limit 10");
  std::ifstream err(work_ + "/serve.err");
  std::string log((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(std::string::npos, log.find("following the configuration applied from"))
      << log;
}

TEST_F(ServeFollowsCliTest, DestroyMeansDestroyed) {
  ASSERT_TRUE(WaitForApps(1));
  std::string id = InfraId();
  std::string destroyed = Cli("destroy --auto-approve --lock-timeout 30s");
  EXPECT_NE(std::string::npos, destroyed.find("Destroy complete!")) << destroyed;
  ThreeRounds();
  EXPECT_EQ("", Cli("state list"));
  std::string body;
  EXPECT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", id, "f1"),
                      true, &body));
  EXPECT_NE(std::string::npos, body.find("\"outcome\":\"refused\"")) << body;
  EXPECT_EQ(409, Http("POST", "/infrastructures/" + id + "/scaleup/app"));
  // A destroyed infrastructure is not listed (as Occopus forgets it).
  EXPECT_EQ("", InfraId());
  ThreeRounds();
  EXPECT_EQ("", Cli("state list"));
  // An apply makes it active again, and serve serves it.
  std::string apply = Cli("apply -f infra.yaml --auto-approve --lock-timeout 30s");
  EXPECT_NE(std::string::npos, apply.find("Apply complete!")) << apply;
  EXPECT_TRUE(WaitForApps(1));
}

// The first and last commands of the MiCADO tutorial: POST a descriptor
// to create the infrastructure, DELETE it to destroy it — with a serve
// that was started without one, as Occopus's REST service is.
TEST_F(ServeFollowsCliTest, RestCreatesBuildsAndDestroysAnInfrastructure) {
  ASSERT_TRUE(WaitForApps(1));
  std::string id = InfraId();
  Stop();
  Cli("destroy --auto-approve");
  descriptor_args_ = "--nodes nodes/node_definitions.yaml";
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ("", InfraId());
  std::string body;
  EXPECT_EQ(404, Http("GET", "/infrastructures/" + id, "", false, &body));
  EXPECT_NE(std::string::npos, body.find("is destroyed")) << body;

  // A malformed descriptor: 400 with validate's messages, file "request",
  // and nothing changes.
  std::string infra;
  {
    std::ifstream in(work_ + "/infra.yaml");
    infra.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string bad = infra;
  bad.replace(bad.find("type: app\n"), 10, "type: ap\n");
  std::ofstream(work_ + "/bad.yaml") << bad;
  std::string validate = Cli("validate -f bad.yaml 2>&1");
  std::smatch at;
  ASSERT_TRUE(std::regex_search(validate, at, std::regex("bad\\.yaml(:\\d+:\\d+: error: node 'app' has type 'ap'.*\n)")))
      << validate;
  int64_t serial = Serial();
  EXPECT_EQ(400, Http("POST", "/infrastructures/", bad, true, &body));
  json answer = json::parse(body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << body;
  EXPECT_EQ(400, answer["status_code"]);
  // Word for word what validate says, the file named "request".
  EXPECT_EQ("request" + at[1].str(), answer["message"]) << body;
  EXPECT_EQ("request", answer["diagnostics"][0]["range"]["filename"]) << body;
  EXPECT_EQ(400, Http("POST", "/infrastructures/", "", true, &body));
  EXPECT_NE(std::string::npos, body.find("no body")) << body;
  // A posted descriptor cannot read the files beside the state (serve's
  // log, its token): imports come only from the node definitions' folder.
  std::ofstream(work_ + "/private.txt") << "SECRET-LINE-1\nSECRET-LINE-2\n";
  std::string snoop = infra;
  snoop.replace(snoop.find("type: app\n"), 10,
                "type: !text_import {url: 'file://private.txt'}\n");
  EXPECT_EQ(400, Http("POST", "/infrastructures/", snoop, true, &body));
  EXPECT_NE(std::string::npos,
            body.find("private.txt' is outside the folders a posted descriptor may import "
                      "from (the node definitions' folder, and serve's --posted-imports)"))
      << body;
  EXPECT_EQ(std::string::npos, body.find("SECRET")) << body;
  // Text that is not UTF-8 is named "request" too, not serve's own file.
  EXPECT_EQ(400, Http("POST", "/infrastructures/", "user_id: u\xff\n", true, &body));
  EXPECT_NE(std::string::npos, body.find("request:1:11: error: 'request' is not UTF-8 text"))
      << body;
  EXPECT_EQ(std::string::npos, body.find("occam-posted")) << body;

  EXPECT_EQ(serial, Serial());
  EXPECT_EQ("", InfraId());
  EXPECT_EQ(401, Http("POST", "/infrastructures/", infra, false));

  // A valid one is built; a second is refused while it exists.
  EXPECT_EQ(200, Http("POST", "/infrastructures/", infra, true, &body));
  EXPECT_EQ(json({{"infraid", id}}), json::parse(body, nullptr, false)) << body;
  ASSERT_TRUE(WaitForApps(1));
  json view = Infra();
  EXPECT_EQ("ready", view["db"]["instances"]["db[0]"]["state"]) << view;
  EXPECT_EQ("127.0.0.1", view["db"]["instances"]["db[0]"]["resource_address"]) << view;
  EXPECT_EQ(409, Http("POST", "/infrastructures/", infra, true, &body));
  EXPECT_NE(std::string::npos, body.find("DELETE /infrastructures/" + id)) << body;

  // A restarted serve (still without a descriptor) serves what was posted,
  // as it was: nothing is replaced.
  std::string before = Cli("state list");
  std::string app_id = view["app"]["instances"]["app[0]"]["id"];
  Stop();
  ASSERT_NO_FATAL_FAILURE(Start());
  ThreeRounds();
  EXPECT_EQ(id, InfraId());
  EXPECT_EQ(app_id, Infra()["app"]["instances"]["app[0]"]["id"]);
  EXPECT_EQ(before, Cli("state list"));

  // DELETE destroys it, and it stays destroyed.
  EXPECT_EQ(404, Http("DELETE", "/infrastructures/nope", "", true, &body));
  EXPECT_NE(std::string::npos, body.find("no infrastructure 'nope'")) << body;
  EXPECT_EQ(401, Http("DELETE", "/infrastructures/" + id, "", false));
  EXPECT_EQ(200, Http("DELETE", "/infrastructures/" + id, "", true, &body));
  EXPECT_EQ(json({{"infraid", id}}), json::parse(body, nullptr, false)) << body;
  for (int i = 0; i < 100 && !InfraId().empty(); ++i) usleep(100'000);
  EXPECT_EQ("", InfraId());
  EXPECT_EQ("", Cli("state list"));
  EXPECT_EQ(404, Http("DELETE", "/infrastructures/" + id, "", true, &body));
  EXPECT_NE(std::string::npos, body.find("destroyed already")) << body;
  ThreeRounds();
  EXPECT_EQ("", Cli("state list"));
  std::string history = Cli("history");
  EXPECT_NE(std::string::npos, history.find("created through the REST API")) << history;
  EXPECT_NE(std::string::npos, history.find("requested through the REST API")) << history;
  std::ifstream err(work_ + "/serve.err");
  std::string log((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(std::string::npos, log.find("event=infrastructure")) << log;
  EXPECT_EQ(0, Stop());
}

// history --json --follow prints, as JSON lines, an event another process
// (serve) commits, soon (it polls every 250 ms; the test allows 5 s, as a
// sanitized build on a busy machine missed one second).
TEST_F(ServeFollowsCliTest, HistoryFollowsEventsAsJson) {
  ASSERT_TRUE(WaitForApps(1));
  testing::RunCommand("cd " + work_ + " && (sh -c 'echo $$ > follow.pid; exec " +
                      testing::OccamBinary() +
                      " history --json --follow --limit 1' > follow.out 2>&1 &)");
  usleep(500'000);
  auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(200, Http("POST", "/infrastructures/" + InfraId() + "/scaleto/app/2"));
  std::string out;
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - sent < std::chrono::seconds(5)) {
    usleep(50'000);
    std::ifstream in(work_ + "/follow.out");
    out.assign(std::istreambuf_iterator<char>(in), {});
    seen = out.find("\"kind\":\"scale\"") != std::string::npos;
  }
  testing::RunCommand("kill $(cat " + work_ + "/follow.pid)");
  EXPECT_TRUE(seen) << out;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    json e = json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << line;
    EXPECT_TRUE(e.contains("time") && e.contains("kind") && e.contains("detail")) << line;
  }
}

// The daemon speaks: one logfmt line per event on stderr, with its fields;
// --log-format json gives JSON lines.
TEST_F(ServeFollowsCliTest, EveryEventIsALogLineWithItsFields) {
  ASSERT_TRUE(WaitForApps(1));
  ASSERT_EQ(200, Http("POST", "/api/v1/alerts", Alert("overloaded", InfraId(), "fp-log")));
  ASSERT_TRUE(WaitForApps(2));
  std::string log;
  for (int i = 0; i < 50 && log.find("event=apply_finish") == std::string::npos; ++i) {
    usleep(100'000);
    std::ifstream err(work_ + "/serve.err");
    log.assign(std::istreambuf_iterator<char>(err), {});
  }
  for (const char* want :
       {"level=info event=listening msg=\"serving infrastructure ",
        "event=alert msg=\"alert received\" alertname=app_overloaded node=app status=firing fingerprint=fp-log",
        "event=decision msg=", "outcome=scaled cause=alert from=1 to=2",
        "event=apply_start", "event=instance_created msg=\"app[1]: create complete\" address=app[1]",
        "event=apply_finish msg=\"apply complete\" added=1 changed=0 destroyed=0 failed=0 seconds="}) {
    EXPECT_NE(std::string::npos, log.find(want)) << want << "\n" << log;
  }
  EXPECT_EQ(0, Stop());
  ASSERT_NO_FATAL_FAILURE(Start("--log-format json"));
  ASSERT_EQ(200, Http("POST", "/infrastructures/" + InfraId() + "/scaleto/app/1"));
  ASSERT_TRUE(WaitForApps(1));
  EXPECT_EQ(0, Stop());
  std::ifstream err(work_ + "/serve.err");
  int decisions = 0, deleted = 0;
  for (std::string line; std::getline(err, line);) {
    json e = json::parse(line, nullptr, false);
    ASSERT_TRUE(e.is_object()) << line;
    ASSERT_TRUE(e.contains("time") && e.contains("level") && e.contains("event")) << line;
    if (e["event"] == "decision") {
      ++decisions;
      EXPECT_EQ(2, e["from"]);
      EXPECT_EQ(1, e["to"]);
    }
    if (e["event"] == "instance_deleted") ++deleted;
  }
  EXPECT_EQ(1, decisions);
  EXPECT_EQ(1, deleted);
}

// An edited descriptor is noticed at once on SIGHUP; without --watch serve
// says it differs from what was applied and changes nothing.
TEST_F(ServeFollowsCliTest, SighupRereadsTheDescriptor) {
  ASSERT_TRUE(WaitForApps(1));
  std::string infra = work_ + "/infra.yaml";
  std::string text;
  {
    std::ifstream in(infra);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("Hello from occam"), 16, "Hello, hangup");
  std::ofstream(infra) << text;
  testing::RunCommand("kill -HUP $(cat " + work_ + "/serve.pid)");
  std::string log;
  for (int i = 0; i < 20 && log.find("differs from what was applied") == std::string::npos; ++i) {
    usleep(100'000);
    std::ifstream err(work_ + "/serve.err");
    log.assign(std::istreambuf_iterator<char>(err), {});
  }
  EXPECT_NE(std::string::npos, log.find("SIGHUP: reading the descriptor files again")) << log;
  EXPECT_NE(std::string::npos, log.find("infra.yaml differs from what was applied; run occam apply"))
      << log;
  EXPECT_EQ("Hello from occam", AppMessage());
}

// serve --watch applies an edit of the descriptor within a couple of
// rounds, and keeps the last good configuration when an edit does not
// compile.
TEST_F(ServeFollowsCliTest, WatchAppliesAnEditAndKeepsTheLastGoodOne) {
  ASSERT_TRUE(WaitForApps(1));
  ASSERT_EQ(0, Stop());
  ASSERT_NO_FATAL_FAILURE(Start("--watch"));
  ASSERT_TRUE(WaitForApps(1));
  std::string infra = work_ + "/infra.yaml";
  std::string text;
  {
    std::ifstream in(infra);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string edited = text;
  edited.replace(edited.find("Hello from occam"), 16, "Hello, watched");
  std::ofstream(infra) << edited;
  for (int i = 0; i < 100 && AppMessage() != "Hello, watched"; ++i) usleep(100'000);
  EXPECT_EQ("Hello, watched", AppMessage()) << Cli("history --limit 5");
  std::string log;
  for (int i = 0; i < 100 && log.find("apply complete") == std::string::npos; ++i) {
    usleep(100'000);  // the round's apply may still be finishing
    std::ifstream err(work_ + "/serve.err");
    log.assign(std::istreambuf_iterator<char>(err), {});
  }
  EXPECT_NE(std::string::npos, log.find("--watch: applying the edited")) << log;
  EXPECT_EQ(std::string::npos, log.find("cannot read back")) << log;
  EXPECT_NE(std::string::npos, log.find("apply complete")) << log;

  // A broken edit: logged with its errors; what runs stays.
  std::ofstream(infra) << edited << "  - {name: broken\n";
  for (int i = 0; i < 50 && log.find("does not compile") == std::string::npos; ++i) {
    usleep(100'000);
    std::ifstream err(work_ + "/serve.err");
    log.assign(std::istreambuf_iterator<char>(err), {});
  }
  EXPECT_NE(std::string::npos, log.find("changed and does not compile; serve keeps what was applied"))
      << log;
  ThreeRounds();
  EXPECT_EQ("Hello, watched", AppMessage());
  std::ofstream(infra) << text;  // as it was, for the fixture
  for (int i = 0; i < 100 && AppMessage() != "Hello from occam"; ++i) usleep(100'000);
  EXPECT_EQ("Hello from occam", AppMessage());
}

TEST_F(ServeFollowsCliTest, ASecondServeOnTheSameStateIsRefused) {
  CommandResult second = testing::RunCommand(
      "cd " + work_ + " && timeout 20 " + testing::OccamBinary() +
      " serve -f infra.yaml --listen 127.0.0.1:0 --interval 1s");
  EXPECT_EQ(1, second.exit_code);
  EXPECT_NE(std::string::npos, second.out.find("Error: occam serve (pid ")) << second.out;
  EXPECT_NE(std::string::npos, second.out.find("already manages occam.db; one daemon per state"))
      << second.out;
  // Once the first stops, its lease goes with it.
  EXPECT_EQ(0, Stop());
  ASSERT_NO_FATAL_FAILURE(Start());
}

}  // namespace
}  // namespace occam
