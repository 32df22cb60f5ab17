#include "autoscale/autoscaler.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "autoscale/alert_rules.h"
#include "tests/temp_dir.h"

namespace occam {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class AutoscalerTest : public ::testing::Test {
 protected:
  AutoscalerTest() {
    NodeSpec app;
    app.name = "app";
    app.scaling.min = 1;
    app.scaling.max = 3;
    app.scaling.policy.set = true;
    app.scaling.policy.query = "avg(load{job=\"app\"})";
    app.scaling.policy.overloaded_above = 0.8;
    app.scaling.policy.underloaded_below = 0.2;
    app.scaling.policy.cooldown_seconds = 60;
    descriptor_.infra_name = "shop";
    descriptor_.nodes.push_back(app);
    descriptor_.node_index["app"] = 0;
    state_.infra_id = "infra-1";
  }

  Alert MakeAlert(const std::string& direction, std::string fingerprint = "f1",
                  std::string status = "firing") {
    Alert a;
    a.status = status;
    a.fingerprint = fingerprint;
    a.starts_at = "2026-11-28T00:00:00Z";
    a.labels = {{"alertname", "app_" + direction},
                {"alert", direction},
                {"node", "app"},
                {"infra_id", "infra-1"}};
    return a;
  }

  // Decides and applies the change to the state, as the daemon commits it.
  AlertDecision Decide(const Alert& a, int at_second) {
    AlertDecision d = scaler_.Decide(a, descriptor_, state_,
                                     start_ + seconds(at_second));
    for (auto& [node, count] : d.change.set_desired) {
      state_.desired_counts[node] = count;
    }
    EXPECT_EQ(1u, d.change.events.size());
    return d;
  }

  Descriptor descriptor_;
  StateSnapshot state_;
  Autoscaler scaler_;
  Autoscaler::Clock::time_point start_ = Autoscaler::Clock::now();
};

TEST_F(AutoscalerTest, OverloadScalesUpOnceWithinTheCooldown) {
  AlertDecision d = Decide(MakeAlert("overloaded"), 0);
  EXPECT_EQ("scaled", d.outcome);
  EXPECT_EQ(2, state_.desired_counts["app"]);
  EXPECT_EQ("alert", d.change.events[0].detail["cause"]);
  EXPECT_EQ("f1", d.change.events[0].detail["source"]["fingerprint"]);
  // Alertmanager notifies the same alert again: no second step.
  EXPECT_EQ("duplicate", Decide(MakeAlert("overloaded"), 10).outcome);
  // Another alert for the node while it cools down.
  EXPECT_EQ("cooldown", Decide(MakeAlert("overloaded", "f2"), 30).outcome);
  EXPECT_EQ(2, state_.desired_counts["app"]);
  // After the cooldown the still-firing alert scales again.
  EXPECT_EQ("scaled", Decide(MakeAlert("overloaded"), 61).outcome);
  EXPECT_EQ(3, state_.desired_counts["app"]);
  // At max: recorded, no change.
  EXPECT_EQ("clamped", Decide(MakeAlert("overloaded", "f3"), 200).outcome);
  EXPECT_EQ(3, state_.desired_counts["app"]);
}

TEST_F(AutoscalerTest, ARestartedDaemonKeepsCooldownsFromTheEventLog) {
  AlertDecision first = Decide(MakeAlert("overloaded"), 0);
  ASSERT_EQ("scaled", first.outcome);
  std::vector<Event> log = first.change.events;
  log[0].time_ms = 1'000'000;  // committed at this wall-clock time
  Event unrelated;
  unrelated.kind = "apply";
  unrelated.time_ms = 1'000'500;
  log.push_back(unrelated);

  // Restarted 10 s later: a new Autoscaler, its memory from the log.
  scaler_ = Autoscaler();
  scaler_.Restore(log, 1'010'000, start_);
  EXPECT_EQ("duplicate", Decide(MakeAlert("overloaded"), 0).outcome);
  EXPECT_EQ("cooldown", Decide(MakeAlert("overloaded", "f2"), 49).outcome);
  EXPECT_EQ("scaled", Decide(MakeAlert("overloaded", "f2"), 51).outcome);
}

TEST_F(AutoscalerTest, UnderloadScalesDownNeverBelowMin) {
  state_.desired_counts["app"] = 2;
  EXPECT_EQ("scaled", Decide(MakeAlert("underloaded"), 0).outcome);
  EXPECT_EQ(1, state_.desired_counts["app"]);
  EXPECT_EQ("clamped", Decide(MakeAlert("underloaded", "f2"), 100).outcome);
  EXPECT_EQ(1, state_.desired_counts["app"]);
}

TEST_F(AutoscalerTest, RefusedAlertsAreRecordedWithoutEffect) {
  Alert resolved = MakeAlert("overloaded", "f1", "resolved");
  EXPECT_EQ("resolved", Decide(resolved, 0).outcome);
  Alert foreign = MakeAlert("overloaded");
  foreign.labels["infra_id"] = "other";
  EXPECT_EQ("other_infrastructure", Decide(foreign, 0).outcome);
  Alert unknown = MakeAlert("overloaded");
  unknown.labels["node"] = "nope";
  EXPECT_EQ("unknown_node", Decide(unknown, 0).outcome);
  Alert unrelated = MakeAlert("overloaded");
  unrelated.labels.erase("alert");
  EXPECT_EQ("not_occams", Decide(unrelated, 0).outcome);
  EXPECT_TRUE(state_.desired_counts.empty());
}

TEST_F(AutoscalerTest, ParsesAlertmanagerPayloads) {
  std::vector<Alert> alerts;
  json payload = {{"version", "4"},
                  {"status", "firing"},
                  {"alerts",
                   {{{"status", "firing"},
                     {"fingerprint", "abc"},
                     {"startsAt", "2026-11-28T00:00:00Z"},
                     {"labels", {{"alert", "overloaded"}, {"node", "app"}}}}}}};
  ASSERT_TRUE(ParseAlertmanagerPayload(payload.dump(), &alerts).ok());
  ASSERT_EQ(1u, alerts.size());
  EXPECT_EQ("abc", alerts[0].fingerprint);
  EXPECT_EQ("app", alerts[0].labels["node"]);
  EXPECT_FALSE(ParseAlertmanagerPayload("{", &alerts).ok());
  EXPECT_FALSE(ParseAlertmanagerPayload("[]", &alerts).ok());
  EXPECT_FALSE(ParseAlertmanagerPayload(R"({"version":"3","alerts":[]})",
                                        &alerts).ok());
  EXPECT_FALSE(ParseAlertmanagerPayload(R"({"alerts":[1]})", &alerts).ok());
}

// Found by fuzz/alerts_fuzzer: a field of another type threw from
// json::value and aborted occam serve.
TEST_F(AutoscalerTest, AlertFieldsOfAnotherTypeAreRefusedNotThrown) {
  std::vector<Alert> alerts;
  for (const char* key : {"status", "fingerprint", "startsAt"}) {
    nlohmann::json payload = {{"version", "4"},
                              {"alerts", {{{key, {{"x", 1}}}}}}};
    Status s = ParseAlertmanagerPayload(payload.dump(), &alerts);
    EXPECT_EQ(std::string("an alert's '") + key + "' is not a string",
              s.message());
  }
  nlohmann::json labels = {{"version", "4"},
                           {"alerts", {{{"labels", {{"node", 5}}}}}}};
  ASSERT_TRUE(ParseAlertmanagerPayload(labels.dump(), &alerts).ok());
  // No infra_id or alert label of text: not an alert occam acts on.
  EXPECT_EQ("not_occams", Decide(alerts[0], 0).outcome);
}

TEST_F(AutoscalerTest, AnEventLogOfOtherShapesIsReadWithoutThrowing) {
  Event odd;
  odd.kind = "scale";
  odd.detail = {{"cause", 7}, {"outcome", "scaled"}, {"source", "text"}};
  Event odder = odd;
  odder.detail = {{"cause", "alert"}, {"outcome", "scaled"},
                  {"source", {{"fingerprint", {1, 2}}}}};
  scaler_.Restore({odd, odder}, 1'000'000, start_);
  EXPECT_EQ("scaled", Decide(MakeAlert("overloaded"), 0).outcome);
}

// Prometheus's and Alertmanager's own checkers accept what occam rules
// writes (they come with Debian's prometheus packages, which scripts/setup
// installs).
TEST_F(AutoscalerTest, RulesAndReceiverPassPromtoolAndAmtool) {
  bool have = std::system("command -v promtool >/dev/null && "
                          "command -v amtool >/dev/null") == 0;
  if (!have) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") FAIL() << "CI needs promtool, amtool";
    GTEST_SKIP() << "promtool/amtool not installed (apt-get install "
                    "prometheus prometheus-alertmanager)";
  }
  testing::TempDir dir;
  std::string rules = AlertRulesYaml(descriptor_, state_.infra_id);
  EXPECT_NE(std::string::npos, rules.find("app_overloaded"));
  EXPECT_NE(std::string::npos, rules.find("infra_id: \"infra-1\""));
  dir.Write("rules.yml", rules);
  ReceiverOptions receiver;
  receiver.url = "http://127.0.0.1:9798/api/v1/alerts";
  receiver.token_file = dir.Path("token");
  dir.Write("token", "secret\n");
  dir.Write("am.yml",
                     AlertmanagerConfigYaml(state_.infra_id, PaceOf(descriptor_), receiver));
  EXPECT_EQ(0, std::system(("promtool check rules " + dir.Path("rules.yml") +
                            " >/dev/null")
                               .c_str()));
  EXPECT_EQ(0, std::system(("amtool check-config " + dir.Path("am.yml") +
                            " >/dev/null")
                               .c_str()));
  // prometheus.yml: promtool also checks the rule file it loads.
  PrometheusOptions prometheus;
  prometheus.rules_file = dir.Path("rules.yml");
  prometheus.targets_dir = dir.Path("occam-targets");
  prometheus.alertmanager = "127.0.0.1:9093";
  prometheus.static_jobs = {{"node", {"127.0.0.1:9100", "127.0.0.1:9101"}}};
  dir.Write("prometheus.yml", PrometheusConfigYaml(descriptor_, PaceOf(descriptor_),
                                                   prometheus));
  EXPECT_EQ(0, std::system(("promtool check config " + dir.Path("prometheus.yml") +
                            " >/dev/null")
                               .c_str()));
  // A broken file is caught, so the checks above mean something.
  dir.Write("bad.yml", rules + "      - alert: x\n");
  EXPECT_NE(0, std::system(("promtool check rules " + dir.Path("bad.yml") +
                            " >/dev/null 2>&1")
                               .c_str()));
}

// Target tracking: an alert scales to ceil(count × value ÷ target), at
// least one step its way and at most max_step, within [min, max].
TEST_F(AutoscalerTest, TargetTrackingScalesInProportionToTheLoad) {
  descriptor_.nodes[0].scaling.max = 10;
  descriptor_.nodes[0].scaling.policy.target = 0.5;
  state_.desired_counts["app"] = 2;
  auto with_value = [&](const std::string& direction, const std::string& value,
                        const std::string& fingerprint) {
    Alert a = MakeAlert(direction, fingerprint);
    a.annotations = {{"value", value}};
    return a;
  };
  // 2 instances at 1.5 each against 0.5: 6 wanted.
  AlertDecision d = Decide(with_value("overloaded", "1.5", "t1"), 0);
  EXPECT_EQ("scaled", d.outcome);
  EXPECT_EQ(6, state_.desired_counts["app"]);
  EXPECT_EQ(4, d.change.events.back().detail["source"]["step"]);
  // Barely over: still one step up.
  d = Decide(with_value("overloaded", "0.51", "t2"), 100);
  EXPECT_EQ(7, state_.desired_counts["app"]);
  // Far over: clamped at max.
  d = Decide(with_value("overloaded", "100", "t3"), 200);
  EXPECT_EQ(10, state_.desired_counts["app"]);
  // Under: 10 × 0.1 ÷ 0.5 = 2, limited by max_step to 3 down.
  descriptor_.nodes[0].scaling.policy.max_step = 3;
  d = Decide(with_value("underloaded", "0.1", "t4"), 300);
  EXPECT_EQ(7, state_.desired_counts["app"]);
  // No usable value: one step, as a step policy.
  int at = 400;
  for (const char* bad : {"", "NaN", "abc", "-1", "1e999"}) {
    int before = state_.desired_counts["app"];
    Decide(with_value("underloaded", bad, std::string("bad") + bad), at += 100);
    EXPECT_EQ(before - 1, state_.desired_counts["app"]) << bad;
  }
}

// The policies set the loop's pace: a quarter of the shortest `for` for
// evaluating (1 s to 1 min), the shortest cooldown for repeating.
TEST_F(AutoscalerTest, ThePoliciesSetTheMonitoringPace) {
  MonitoringPace pace = PaceOf(descriptor_);  // for 1m / 2m, cooldown 60s
  EXPECT_EQ(15, pace.evaluate_seconds);
  EXPECT_EQ(60, pace.repeat_seconds);
  descriptor_.nodes[0].scaling.policy.for_up = "2s";
  descriptor_.nodes[0].scaling.policy.cooldown_seconds = 0;
  pace = PaceOf(descriptor_);
  EXPECT_EQ(1, pace.evaluate_seconds);  // not 500 ms: 1 s at least
  EXPECT_EQ(1, pace.repeat_seconds);    // never under the evaluation
  descriptor_.nodes[0].scaling.policy.for_up = "1h";
  descriptor_.nodes[0].scaling.policy.for_down = "2h";
  EXPECT_EQ(60, PaceOf(descriptor_).evaluate_seconds);
  descriptor_.nodes[0].scaling.policy.set = false;
  EXPECT_EQ(15, PaceOf(descriptor_).evaluate_seconds);
  EXPECT_EQ("15s", DurationText(15));
  EXPECT_EQ("2m", DurationText(120));
  EXPECT_EQ("1500ms", DurationText(1.5));

  descriptor_.nodes[0].scaling.policy.set = true;
  descriptor_.nodes[0].scaling.policy.for_up = "8s";
  descriptor_.nodes[0].scaling.policy.for_down = "20s";
  descriptor_.nodes[0].scaling.policy.cooldown_seconds = 30;
  pace = PaceOf(descriptor_);
  ReceiverOptions receiver;
  receiver.url = "http://127.0.0.1:9798/api/v1/alerts";
  std::string am = AlertmanagerConfigYaml("infra-1", pace, receiver);
  EXPECT_NE(std::string::npos, am.find("  group_wait: 2s\n  group_interval: 2s\n"
                                       "  repeat_interval: 30s\n")) << am;
  receiver.repeat_interval = "1h";
  EXPECT_NE(std::string::npos,
            AlertmanagerConfigYaml("infra-1", pace, receiver).find("repeat_interval: 1h"));
  PrometheusOptions prometheus;
  prometheus.rules_file = "/r.yml";
  prometheus.targets_dir = "/t";
  prometheus.alertmanager = "127.0.0.1:9093";
  std::string yml = PrometheusConfigYaml(descriptor_, pace, prometheus);
  EXPECT_NE(std::string::npos, yml.find("  scrape_interval: 2s\n  evaluation_interval: 2s\n"))
      << yml;
  EXPECT_NE(std::string::npos, yml.find("  - job_name: \"app\"\n    file_sd_configs:\n"
                                        "      - files: [\"/t/app.json\"]\n"))
      << yml;
  descriptor_.nodes[0].scaling.policy.set = false;
  EXPECT_NE(std::string::npos,
            PrometheusConfigYaml(descriptor_, pace, prometheus).find("scrape_configs: []"));
}

}  // namespace
}  // namespace occam
