#include "autoscale/status_page.h"

#include <gtest/gtest.h>

#include <regex>

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
  AddEvent(1, "apply", json::object(), "not a decision");
  std::string page = Render();
  size_t table = page.find("<table id=\"decisions\">");
  ASSERT_NE(std::string::npos, table);
  EXPECT_EQ(kStatusPageDecisions + 1, Count(page.substr(table), "<tr>"));
  EXPECT_NE(std::string::npos, page.find("decision 79<"));
  EXPECT_EQ(std::string::npos, page.find("decision 29<"));
  EXPECT_EQ(std::string::npos, page.find("not a decision"));
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
