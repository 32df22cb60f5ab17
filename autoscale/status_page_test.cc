#include "autoscale/status_page.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/clock.h"
#include "descriptor/compiler.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000'000;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CompileOptions options;
    options.infra_path = std::string(OCCAM_SOURCE_DIR) + "/examples/micado/infra.yaml";
    Diagnostics diags;
    ASSERT_TRUE(CompileDescriptor(options, &descriptor_, &graph_, &diags))
        << diags.ToString();
    state_.infra_id = "infra-1";
    state_.serial = 7;
    state_.settings["lifecycle"] = "active";
    state_.desired_counts["app"] = 2;
    Put("db[0]", InstanceStatus::kReady, {{"ip", "127.0.0.1"}});
    Put("app[0]", InstanceStatus::kReady, {{"ip", "127.0.0.1"}, {"port", 8080}});
    Put("app[1]", InstanceStatus::kCreating, json::object());
  }

  void Put(const std::string& address, InstanceStatus status, json outputs) {
    ResourceInstance r;
    r.address = address;
    r.node = address.substr(0, address.find('['));
    r.index = address[address.find('[') + 1] - '0';
    r.status = status;
    r.provider_id = "pid-" + address;
    r.outputs = StoredJson(std::move(outputs));
    state_.instances[address] = r;
  }

  // Newest first, as the store answers.
  void AddEvent(int64_t seconds_ago, const std::string& kind, json detail,
                const std::string& message) {
    Event e;
    e.time_ms = kNow - seconds_ago * 1000;
    e.kind = kind;
    e.node = "app";
    e.message = message;
    e.detail = std::move(detail);
    events_.insert(events_.begin(), e);
  }

  std::string Render() {
    StatusPageInput input;
    input.descriptor = &descriptor_;
    input.graph = &graph_;
    input.state = &state_;
    input.events = events_;
    input.now_ms = kNow;
    return RenderStatusPage(input);
  }

  Descriptor descriptor_;
  NodeGraph graph_;
  StateSnapshot state_;
  std::vector<Event> events_;
};

TEST_F(StatusPageTest, ShowsInstancesCountsAndTheGraph) {
  std::string page = Render();
  EXPECT_NE(std::string::npos, page.find("<h1>micado-demo</h1>"));
  EXPECT_NE(std::string::npos, page.find("<b>app[0]</b> <span class=\"ready\">ready</span> "
                                         "127.0.0.1:8080"));
  EXPECT_NE(std::string::npos, page.find("<b>app[1]</b> <span class=\"pending\">pending"));
  EXPECT_NE(std::string::npos, page.find("<b>db[0]</b> <span class=\"ready\">ready</span> "
                                         "127.0.0.1 "));
  // app: desired 2, ready 1, min 1, max 5.
  EXPECT_TRUE(std::regex_search(
      page, std::regex("<td>app</td><td>app</td><td class=num>2</td><td "
                       "class=num>1</td><td class=num>1</td><td class=num>5</td>")));
  // Three node types, three dependencies, in build levels.
  EXPECT_EQ(3, Count(page, "<rect "));
  EXPECT_EQ(3, Count(page, "<path class=edge"));
  EXPECT_NE(std::string::npos, page.find(">1 of 2 ready<"));
  // Nothing outside the page is loaded.
  EXPECT_EQ(std::string::npos, page.find("src="));
  EXPECT_EQ(std::string::npos, page.find("http://"));
  EXPECT_EQ(std::string::npos, page.find("<script"));
}

TEST_F(StatusPageTest, ChartsScaledNodeTypesWithTheirAlerts) {
  json overloaded = {{"labels", {{"alert", "overloaded"}, {"alertname", "app_overloaded"}}}};
  AddEvent(300, "scale",
           {{"cause", "alert"}, {"from", 1}, {"to", 2}, {"outcome", "scaled"},
            {"source", overloaded}},
           "app: desired count 1 -> 2");
  AddEvent(300, "alert", {{"cause", "alert"}, {"outcome", "scaled"}, {"labels", overloaded["labels"]}},
           "alert app_overloaded: scaled");
  AddEvent(200, "alert",
           {{"cause", "alert"}, {"outcome", "cooldown"},
            {"labels", {{"alert", "underloaded"}}}},
           "alert app_underloaded: app is cooling down");
  AddEvent(100, "scale", {{"cause", "rest"}, {"from", 2}, {"to", 3}},
           "app: desired count 2 -> 3");
  state_.desired_counts["app"] = 3;
  std::string page = Render();
  // Only app scales (min 1, max 5); db and manager have one instance.
  EXPECT_EQ(1, Count(page, "<svg class=chart"));
  EXPECT_NE(std::string::npos, page.find("data-node=\"app\""));
  // A step line: the start, two points per scale event, now.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, std::regex("<polyline[^>]*points=\"([^\"]*)\"")));
  std::string points = m[1];
  EXPECT_EQ(6, Count(points, ",")) << points;
  // The scaling alert is marked once, filled; the refused one hollow.
  EXPECT_EQ(1, Count(page, "class=\"alert up\""));
  EXPECT_EQ(1, Count(page, "class=\"alert down\""));
  EXPECT_NE(std::string::npos, page.find("fill=\"none\" stroke=\"#176f2c\""));
  // The decisions, newest first.
  size_t table = page.find("<table id=\"decisions\">");
  size_t rest = page.find("desired count 2 -&gt; 3", table);
  size_t alert = page.find("desired count 1 -&gt; 2", table);
  ASSERT_NE(std::string::npos, rest);
  EXPECT_LT(rest, alert);
}

TEST_F(StatusPageTest, ListsTheLastFiftyDecisions) {
  for (int i = 0; i < 80; ++i) {
    AddEvent(1000 - i, "scale", {{"cause", "rest"}, {"from", 1}, {"to", 1}},
             "decision " + std::to_string(i));
  }
  AddEvent(1, "refresh", json::object(), "not a decision");
  std::string page = Render();
  size_t table = page.find("<table id=\"decisions\">");
  ASSERT_NE(std::string::npos, table);
  EXPECT_EQ(kStatusPageDecisions + 1, Count(page.substr(table), "<tr>"));
  EXPECT_NE(std::string::npos, page.find("decision 79<"));
  EXPECT_EQ(std::string::npos, page.find("decision 29<"));
  EXPECT_EQ(std::string::npos, page.find("not a decision"));
}

// Why, everywhere: health recreations and applies (with who) are
// decisions too, and the same decision repeated (an alert clamped at min
// every evaluation) is one row with its count.
TEST_F(StatusPageTest, DecisionsSayWhoAndCollapseRepeats) {
  for (int i = 0; i < 30; ++i) {
    AddEvent(600 - i, "scale",
             {{"cause", "alert"}, {"from", 1}, {"to", 1}, {"clamped", true}},
             "app: desired count stays 1 (min)");
  }
  AddEvent(500, "health", {{"address", "app[0]"}, {"failing", "port 9 is closed"}},
           "app[0]: health checks failed 3 rounds in a row; recreating it");
  AddEvent(490, "apply", {{"by", "serve"}, {"failed", json::array()}, {"added", 1}},
           "apply: 1 added, 1 changed, 1 destroyed");
  AddEvent(400, "apply", {{"by", "cli"}, {"failed", json::array({"app[1]: boom"})}},
           "apply: 0 added, 0 changed, 0 destroyed, 1 failed");
  std::string page = Render();
  std::string table = page.substr(page.find("<table id=\"decisions\">"));
  EXPECT_EQ(1, Count(table, "desired count stays 1 (min)")) << table;
  EXPECT_NE(std::string::npos, table.find("(&times;30 since ")) << table;
  EXPECT_NE(std::string::npos, table.find("<td>health check</td><td>recreated</td>")) << table;
  EXPECT_NE(std::string::npos, table.find("<td>serve apply</td><td>applied</td>")) << table;
  EXPECT_NE(std::string::npos, table.find("<td>cli apply</td><td>failed</td>")) << table;
  EXPECT_EQ(4 + 1, Count(table, "<tr>"));  // the header and four rows
}

// The chart spans the recorded lifetime (not minutes before the first
// event), labels its time axis, draws the ready count serve sampled and
// the metric value against the policy's target; a count changed without
// a scale event is a step at now, never a ramp; ids are the object ids.
TEST_F(StatusPageTest, TheChartSaysWhatHappenedWhen) {
  AddEvent(600, "scale", {{"cause", "cli"}, {"from", 1}, {"to", 2}}, "app: 1 -> 2");
  AddEvent(300, "scale",
           {{"cause", "alert"}, {"from", 2}, {"to", 4},
            {"source", {{"value", 0.9}, {"target", 0.4}, {"step", 2},
                        {"labels", {{"alert", "overloaded"}}}}}},
           "app: 2 -> 4");
  state_.desired_counts["app"] = 3;  // changed since, without an event
  StatusPageInput input;
  input.descriptor = &descriptor_;
  input.graph = &graph_;
  input.state = &state_;
  input.events = events_;
  input.now_ms = kNow;
  input.samples["app"] = {{kNow - 590'000, 2, 1}, {kNow - 580'000, 2, 2},
                          {kNow - 280'000, 4, 4}};
  input.display_id = [](const ResourceInstance& r) { return "shown-" + r.address; };
  std::string page = RenderStatusPage(input);
  // The time axis: from the first event to now, five labels.
  EXPECT_EQ(5, Count(page, "<text class=tick"));
  EXPECT_NE(std::string::npos, page.find(">" + FormatTimestamp(kNow - 600'000).substr(11, 8) +
                                         "</text>"));
  EXPECT_NE(std::string::npos, page.find(">now</text>"));
  // Desired: ends with a vertical step at now (x 600) from 4 to 3.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, std::regex(
      "<polyline class=desired[^>]*points=\"([^\"]*)\"")));
  std::string desired = m[1];
  EXPECT_TRUE(std::regex_search(desired, std::regex(" 600,\\d+ 600,\\d+$"))) << desired;
  // Ready, dashed, from serve's samples.
  ASSERT_TRUE(std::regex_search(page, m, std::regex(
      "<polyline class=ready[^>]*points=\"([^\"]*)\"")));
  EXPECT_EQ(1 + 2 * 3 + 1, Count(m[1].str(), ","));
  // The metric: one dot (the value 0.9), the target line labelled.
  EXPECT_EQ(1, Count(page, "<circle class=metric"));
  EXPECT_NE(std::string::npos, page.find("value 0.9<"));
  EXPECT_NE(std::string::npos, page.find(">target 0.4</text>"));
  EXPECT_NE(std::string::npos, page.find("<span class=sub>shown-app[0]</span>"));
  EXPECT_EQ(std::string::npos, page.find("pid-app[0]"));
}

// With the history Prometheus recorded (serve --prometheus), the metric
// is a line over the chart's span instead of dots where alerts carried it;
// without it the page says why.
TEST_F(StatusPageTest, TheMetricIsDrawnAsPrometheusRecordedIt) {
  AddEvent(300, "scale",
           {{"cause", "alert"}, {"from", 1}, {"to", 2},
            {"source", {{"value", 0.9}, {"target", 0.4}, {"labels", {{"alert", "overloaded"}}}}}},
           "app: 1 -> 2");
  StatusPageInput input;
  input.descriptor = &descriptor_;
  input.graph = &graph_;
  input.state = &state_;
  input.events = events_;
  input.now_ms = kNow;
  int64_t t0 = ChartsStartMs(input);
  EXPECT_EQ(kNow - 300'000, t0);
  input.metrics["app"] = {{t0, 0.2}, {t0 + 150'000, 1.6}, {kNow, 0.4}};
  std::string page = RenderStatusPage(input);
  EXPECT_EQ(0, Count(page, "<circle class=metric"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, std::regex(
      "<polyline class=metric[^>]*data-points=3 points=\"([^\"]*)\"")));
  // x from 40 (t0) to 600 (now); 1.6 is the highest, drawn near the top.
  EXPECT_TRUE(std::regex_search(m[1].str(), std::regex("^40,\\d+ 320,(\\d+) 600,\\d+$")))
      << m[1];
  EXPECT_NE(std::string::npos, page.find(">target 0.4</text>"));
  EXPECT_NE(std::string::npos, page.find(">1.76") ) << "the right axis tops 1.1 x 1.6";
  input.metrics.clear();
  input.metrics_error = "Prometheus at http://127.0.0.1:1 did not give the history";
  page = RenderStatusPage(input);
  EXPECT_EQ(1, Count(page, "<circle class=metric"));
  EXPECT_NE(std::string::npos, page.find("No metric history: Prometheus at http://127.0.0.1:1"));
}

TEST(MetricHistoryTest, ParsesPrometheusRangeAnswers) {
  std::vector<MetricPoint> points;
  ASSERT_TRUE(ParseMetricHistory(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"i":"a"},"values":[[1700000000,"0.5"],[1700000015.5,"NaN"],[1700000030,"2"]]},
      {"metric":{"i":"b"},"values":[[1700000000,"0.7"],[1700000030,"+Inf"]]}]}})",
                                 &points).ok());
  ASSERT_EQ(2u, points.size());
  EXPECT_EQ(1700000000000, points[0].time_ms);
  EXPECT_DOUBLE_EQ(0.7, points[0].value);  // the higher series
  EXPECT_EQ(1700000030000, points[1].time_ms);
  EXPECT_DOUBLE_EQ(2, points[1].value);
  Status s = ParseMetricHistory(
      R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})", &points);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("parse error at char 4")) << s.ToString();
  EXPECT_FALSE(ParseMetricHistory("<html>", &points).ok());
  EXPECT_FALSE(ParseMetricHistory(R"({"status":"success","data":{"resultType":"vector","result":[]}})",
                                  &points).ok());
  // Nobody listening: an error naming Prometheus and the query, in bounded time.
  s = QueryMetricHistory("http://127.0.0.1:1", "up", 0, 60'000, &points);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("Prometheus at http://127.0.0.1:1 did not give "
                                                "the history of up")) << s.ToString();
}

// Alert labels come from outside: they must not become markup.
TEST_F(StatusPageTest, EscapesWhatOthersWrote) {
  AddEvent(10, "alert", {{"cause", "alert"}, {"outcome", "unknown_node"}},
           "alert <script>alert(1)</script> \"x\" & 'y' \xff\xfe");
  std::string page = Render();
  EXPECT_EQ(std::string::npos, page.find("<script"));
  EXPECT_NE(std::string::npos,
            page.find("alert &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot; "
                      "&amp; &#39;y&#39; \xEF\xBF\xBD\xEF\xBF\xBD"));
  EXPECT_EQ("a&lt;b&gt;", HtmlEscape("a<b>"));
}

TEST_F(StatusPageTest, AnEmptyDaemonStillAnswersAPage) {
  Descriptor empty;
  StateSnapshot state;
  StatusPageInput input;
  input.descriptor = &empty;
  input.state = &state;
  input.now_ms = kNow;
  std::string page = RenderStatusPage(input);
  EXPECT_NE(std::string::npos, page.find("no infrastructure yet"));
  EXPECT_NE(std::string::npos, page.find("none yet"));
  EXPECT_EQ(std::string::npos, page.find("<svg"));
}

}  // namespace
}  // namespace occam
