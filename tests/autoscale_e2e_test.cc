// The autoscaling loop with the real components a MiCADO user runs:
// Debian's node-exporter exports a load metric from its textfile collector,
// Prometheus evaluates the rules `occam rules` wrote and scrapes the app
// instances occam lists in its file_sd targets, Alertmanager posts the
// alerts to `occam serve` with its bearer token, and occam scales the app
// (process instances: busybox httpd serving a metrics file).
//
// The test owns every daemon (free loopback ports, 1 s scrape and
// evaluation). With CI=true missing components fail it; elsewhere it is
// skipped with the reason. scripts/setup installs them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "state/sqlite_state_store.h"
#include "tests/background_process.h"
#include "tests/run_command.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using testing::BackgroundProcess;
using testing::FreeLoopbackPort;
using testing::RunCommand;

const char* const kComponents[] = {"prometheus", "prometheus-alertmanager",
                                   "prometheus-node-exporter", "busybox",
                                   "curl"};

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Polls `done` every 200 ms for up to `seconds`.
bool WaitFor(int seconds, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

class AutoscaleE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* program : kComponents) {
      if (RunCommand(std::string("command -v ") + program).exit_code != 0) {
        std::string why = std::string(program) +
                          " is not installed (scripts/setup installs it)";
        if (InCi()) FAIL() << why;
        GTEST_SKIP() << why;
      }
    }
    std::filesystem::copy(testing::SourceDir() + "/tests/autoscale", dir_.path() / "infra",
                          std::filesystem::copy_options::recursive);
    work_ = dir_.Path("infra");
    std::filesystem::create_directories(work_ + "/textfile");
    WriteLoad(0.5);
    prometheus_port_ = FreeLoopbackPort();
    ASSERT_TRUE(prometheus_port_);
    ASSERT_NO_FATAL_FAILURE(StartServe());
    node_exporter_port_ = FreeLoopbackPort();
    alertmanager_port_ = FreeLoopbackPort();
    ASSERT_TRUE(node_exporter_port_ && alertmanager_port_);
    ASSERT_NO_FATAL_FAILURE(WriteRules());
    ASSERT_NO_FATAL_FAILURE(StartMonitoring());
  }

  void TearDown() override {
    prometheus_.Stop();
    alertmanager_.Stop();
    node_exporter_.Stop();
    serve_.Stop();
    if (!work_.empty()) {
      RunCommand("cd " + work_ + " && " + testing::OccamBinary() +
                 " destroy --auto-approve");
    }
    if (HasFailure()) {
      for (const char* log : {"serve.log", "prometheus.log", "alertmanager.log"}) {
        std::string text = Slurp(work_ + "/" + log);
        if (text.size() > 4000) text = text.substr(text.size() - 4000);
        std::cerr << "--- " << log << " (tail)\n" << text << "\n";
      }
    }
  }

  void StartServe() {
    ASSERT_TRUE(serve_.Start({testing::OccamBinary(), "serve", "-f", "infra.yaml",
                              "--listen", "127.0.0.1:0", "--interval", "1s",
                              "--prometheus",
                              "http://127.0.0.1:" + std::to_string(prometheus_port_)},
                             work_, work_ + "/serve.log"));
    std::smatch m;
    ASSERT_TRUE(WaitFor(20, [&] {
      std::string log = Slurp(work_ + "/serve.log");
      return std::regex_search(log, m, std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)")) &&
             (serve_port_ = m[1], true);
    })) << "occam serve did not start";
    std::ifstream token(work_ + "/occam-serve.token");
    std::getline(token, token_);
    ASSERT_FALSE(token_.empty());
    std::string body;
    ASSERT_EQ(200, Get(ServeUrl("/infrastructures/"), &body));
    json answer = json::parse(body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << body;
    json ids = answer["infrastructures"];
    ASSERT_TRUE(ids.is_array() && ids.size() == 1u) << body;
    infra_id_ = ids[0];
  }

  // occam rules: Prometheus's rules, Alertmanager's receiver (with serve's
  // token sent by file, alerts repeated every 3 s while they fire) and
  // prometheus.yml: the policy's `for: 1s` makes it scrape and evaluate
  // every second; it scrapes app from occam's targets and node-exporter.
  void WriteRules() {
    auto r = RunCommand(
        "cd " + work_ + " && " + testing::OccamBinary() +
        " rules -f infra.yaml --out rules.yml --alertmanager-out "
        "alertmanager.yml --url " + ServeUrl("/api/v1/alerts") +
        " --group-wait 1s --group-interval 1s --repeat-interval 3s"
        " --prometheus-out prometheus.yml --alertmanager-address 127.0.0.1:" +
        std::to_string(alertmanager_port_) + " --scrape-static load=127.0.0.1:" +
        std::to_string(node_exporter_port_));
    ASSERT_EQ(0, r.exit_code) << r.out;
    std::string am = Slurp(work_ + "/alertmanager.yml");
    ASSERT_EQ(std::string::npos, am.find(token_))
        << "the token is copied into the Alertmanager configuration";
    ASSERT_NE(std::string::npos, am.find("credentials_file: \"" + work_ + "/occam-serve.token\""))
        << am;
    std::string prometheus = Slurp(work_ + "/prometheus.yml");
    ASSERT_NE(std::string::npos, prometheus.find("evaluation_interval: 1s")) << prometheus;
  }

  void StartMonitoring() {
    int ne = node_exporter_port_, am = alertmanager_port_, prom = prometheus_port_;
    ASSERT_TRUE(node_exporter_.Start(
        {"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(ne),
         "--collector.disable-defaults", "--collector.textfile",
         "--collector.textfile.directory=" + work_ + "/textfile"},
        work_, work_ + "/node-exporter.log"));
    std::filesystem::create_directories(work_ + "/alertmanager-data");
    ASSERT_TRUE(alertmanager_.Start(
        {"prometheus-alertmanager", "--config.file=" + work_ + "/alertmanager.yml",
         "--storage.path=" + work_ + "/alertmanager-data",
         "--web.listen-address=127.0.0.1:" + std::to_string(am),
         "--cluster.listen-address="},
        work_, work_ + "/alertmanager.log"));
    std::filesystem::create_directories(work_ + "/prometheus-data");
    ASSERT_TRUE(prometheus_.Start(
        {"prometheus", "--config.file=" + work_ + "/prometheus.yml",
         "--storage.tsdb.path=" + work_ + "/prometheus-data",
         "--web.listen-address=127.0.0.1:" + std::to_string(prom)},
        work_, work_ + "/prometheus.log"));
    prometheus_url_ = "http://127.0.0.1:" + std::to_string(prom);
    std::string alertmanager_url = "http://127.0.0.1:" + std::to_string(am);
    std::string node_exporter_url = "http://127.0.0.1:" + std::to_string(ne);
    ASSERT_TRUE(WaitFor(30, [&] { return Get(prometheus_url_ + "/-/ready") == 200; }))
        << "Prometheus did not get ready";
    ASSERT_TRUE(WaitFor(30, [&] { return Get(alertmanager_url + "/-/ready") == 200; }))
        << "Alertmanager did not get ready";
    std::string metrics;
    ASSERT_TRUE(WaitFor(30, [&] {
      return Get(node_exporter_url + "/metrics", &metrics) == 200 &&
             metrics.find("occam_e2e_app_load 0.5") != std::string::npos;
    })) << "node-exporter does not export the load: " << metrics;
  }

  std::string ServeUrl(const std::string& path) {
    return "http://127.0.0.1:" + serve_port_ + path;
  }

  // curl: the HTTP status, the body in `*body`.
  int Get(const std::string& url, std::string* body = nullptr,
          const std::string& method = "GET", bool auth = false) {
    auto r = RunCommand("curl -s -m 5 -w '\\n%{http_code}' -X " + method +
                        (method == "POST" ? " -d ''" : "") +
                        (auth ? " -H 'Authorization: Bearer " + token_ + "'" : "") +
                        " '" + url + "'");
    size_t nl = r.out.rfind('\n');
    if (nl == std::string::npos) return 0;
    if (body) *body = r.out.substr(0, nl);
    return std::atoi(r.out.c_str() + nl + 1);
  }

  // The load node-exporter exports, written as its textfile collector
  // expects (atomically: it reads *.prom).
  void WriteLoad(double load) {
    std::string path = work_ + "/textfile/load.prom";
    std::ofstream(path + ".tmp") << "occam_e2e_app_load " << load << "\n";
    std::rename((path + ".tmp").c_str(), path.c_str());
  }

  // The app's scaling as the Occopus REST API reports it; also tracks the
  // smallest counts ever seen.
  json AppScaling() {
    std::string body;
    if (Get(ServeUrl("/infrastructures/" + infra_id_), &body) != 200) return json();
    json infra = json::parse(body, nullptr, false);
    if (!infra.is_object() || !infra.contains("app")) return json();
    json scaling = infra["app"]["scaling"];
    lowest_target_ = std::min(lowest_target_, scaling.value("target", 99));
    lowest_actual_ = std::min(lowest_actual_, scaling.value("actual", 99));
    return scaling;
  }

  bool AppsAre(int count) {
    json s = AppScaling();
    return s.is_object() && s["actual"] == count && s["target"] == count;
  }

  // The app instances Prometheus scrapes successfully, by occam's
  // instance label.
  std::set<std::string> UpTargets() {
    std::string body;
    std::set<std::string> up;
    if (Get(prometheus_url_ + "/api/v1/targets?state=active", &body) != 200) return up;
    json targets = json::parse(body, nullptr, false);
    if (!targets.is_object()) return up;
    for (const json& t : targets["data"]["activeTargets"]) {
      const json& labels = t["labels"];
      if (labels.value("job", "") == "app" && t.value("health", "") == "up" &&
          labels.value("infra_id", "") == infra_id_ && labels.value("node", "") == "app") {
        up.insert(labels.value("instance", ""));
      }
    }
    return up;
  }

  // The alert decisions in the event log, oldest first, as
  // "ALERTNAME:OUTCOME": a decision that scaled is a "scale" event whose
  // source is the alert, a refused one an "alert" event.
  std::vector<std::string> Decisions() {
    std::unique_ptr<SqliteStateStore> store;
    StateOpenOptions options;
    options.create_if_missing = false;
    std::vector<Event> events;
    Status s = SqliteStateStore::Open(work_ + "/occam.db", options, &store);
    if (s.ok()) s = store->Events(0, &events);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<std::string> out;
    for (auto e = events.rbegin(); e != events.rend(); ++e) {
      json cause = e->kind == "alert" ? e->detail
                   : e->kind == "scale" && e->detail.value("cause", "") == "alert"
                       ? e->detail.value("source", json::object())
                       : json();
      if (!cause.is_object()) continue;
      EXPECT_EQ(infra_id_, cause["labels"].value("infra_id", "")) << cause;
      EXPECT_FALSE(cause.value("fingerprint", "").empty()) << cause;
      out.push_back(cause.value("alertname", "") + ":" +
                    e->detail.value("outcome", cause.value("outcome", "")));
    }
    return out;
  }

  bool Decided(const std::string& decision) {
    for (const std::string& d : Decisions()) {
      if (d == decision) return true;
    }
    return false;
  }

  int CountOf(const std::string& decision) {
    int n = 0;
    for (const std::string& d : Decisions()) n += d == decision;
    return n;
  }

  // occam's file_sd targets for app: instance label → target.
  std::map<std::string, std::string> FileSdTargets() {
    json groups = json::parse(Slurp(work_ + "/occam-targets/app.json"), nullptr, false);
    std::map<std::string, std::string> out;
    if (!groups.is_array()) return out;
    for (const json& g : groups) {
      EXPECT_EQ(infra_id_, g["labels"].value("infra_id", ""));
      EXPECT_EQ("app", g["labels"].value("node", ""));
      out[g["labels"].value("instance", "")] = g["targets"][0];
    }
    return out;
  }

  testing::TempDir dir_;
  std::string work_, serve_port_, token_, infra_id_, prometheus_url_;
  BackgroundProcess serve_, node_exporter_, alertmanager_, prometheus_;
  int lowest_target_ = 99, lowest_actual_ = 99;
  int prometheus_port_ = 0;
  int node_exporter_port_ = 0, alertmanager_port_ = 0;
};

TEST_F(AutoscaleE2eTest, AlertsScaleTheAppUpAndDownWithinItsRange) {
  const std::set<std::string> one = {"app[0]"}, two = {"app[0]", "app[1]"};
  // Prometheus scrapes the first instance, found in occam's file_sd targets.
  ASSERT_TRUE(WaitFor(60, [&] { return AppsAre(1) && UpTargets() == one; }))
      << "app[0] is not scraped";

  // Overloaded: the alert fires, Alertmanager posts it, one more instance
  // runs and Prometheus scrapes it without a restart.
  WriteLoad(0.95);
  ASSERT_TRUE(WaitFor(60, [&] { return AppsAre(2); })) << AppScaling();
  EXPECT_EQ(1, CountOf("app_overloaded:scaled"));
  // The round writes the targets once its apply is done, a moment after
  // the REST view shows the new instance ready.
  ASSERT_TRUE(WaitFor(30, [&] { return FileSdTargets().size() == 2u; }));
  auto targets = FileSdTargets();
  EXPECT_TRUE(std::regex_match(targets["app[1]"], std::regex("127\\.0\\.0\\.1:21\\d\\d\\d")))
      << targets["app[1]"];
  EXPECT_TRUE(WaitFor(30, [&] { return UpTargets() == two; }))
      << "app[1] is not scraped";

  // The load falls: the overload resolves (no effect), underloaded fires
  // once the cooldown allows and removes the newest instance.
  WriteLoad(0.05);
  ASSERT_TRUE(WaitFor(60, [&] { return AppsAre(1); })) << AppScaling();
  EXPECT_EQ(1, CountOf("app_overloaded:scaled"));
  EXPECT_EQ(1, CountOf("app_underloaded:scaled"));
  EXPECT_TRUE(WaitFor(20, [&] { return Decided("app_overloaded:resolved"); }));
  EXPECT_TRUE(WaitFor(30, [&] { return FileSdTargets().size() == 1u &&
                                       UpTargets() == one; }));

  // Still underloaded: Alertmanager repeats the alert every 3 s; within the
  // cooldown it is a duplicate, after it the count is clamped at min.
  EXPECT_TRUE(WaitFor(40, [&] {
    AppScaling();
    return Decided("app_underloaded:clamped");
  }));
  EXPECT_TRUE(Decided("app_underloaded:duplicate"));
  EXPECT_TRUE(AppsAre(1));

  // The Occopus REST API scales the same daemon; the underloaded alert,
  // repeated, brings the count back to min.
  EXPECT_EQ(401, Get(ServeUrl("/infrastructures/" + infra_id_ + "/scaleto/app/2"),
                     nullptr, "POST", false));
  EXPECT_EQ(404, Get(ServeUrl("/infrastructures/" + infra_id_ + "/scaleto/nope/2"),
                     nullptr, "POST", true));
  std::string answer;
  EXPECT_EQ(200, Get(ServeUrl("/infrastructures/" + infra_id_ + "/scaleto/app/2"),
                     &answer, "POST", true));
  EXPECT_NE(std::string::npos, answer.find("1 -> 2")) << answer;
  // (The repeated alert may win the race with the apply of 2: only the end
  // is certain.)
  EXPECT_TRUE(WaitFor(30, [&] {
    return CountOf("app_underloaded:scaled") == 2 && AppsAre(1);
  })) << AppScaling();

  // Never below min, and every alert decision is in the log.
  EXPECT_EQ(1, lowest_target_);
  EXPECT_EQ(1, lowest_actual_);
  for (const std::string& d : Decisions()) {
    EXPECT_TRUE(std::regex_match(
        d, std::regex("app_(overloaded|underloaded):(scaled|resolved|duplicate|"
                      "cooldown|clamped)")))
        << d;
  }
  std::string metrics;
  EXPECT_EQ(200, Get(ServeUrl("/metrics"), &metrics));
  EXPECT_NE(std::string::npos,
            metrics.find("occam_scaling_decisions_total{cause=\"alert\",outcome=\"scaled\"} 3"))
      << metrics;
  // The status page plots the policy's metric as Prometheus recorded it.
  std::string page;
  EXPECT_EQ(200, Get(ServeUrl("/"), &page));
  std::smatch m;
  EXPECT_TRUE(std::regex_search(page, m, std::regex("<polyline class=metric[^>]*data-points=(\\d+)")) &&
              std::stoi(m[1]) >= 10)
      << page;
  EXPECT_EQ(std::string::npos, page.find("No metric history")) << page;
  EXPECT_EQ(0, serve_.Stop());
}

}  // namespace
}  // namespace occam
