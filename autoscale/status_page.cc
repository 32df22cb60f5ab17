#include "autoscale/status_page.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "autoscale/reconciler.h"
#include "base/clock.h"
#include "base/json_fields.h"
#include "base/utf8.h"
#include "planner/planner.h"
#include "state/state_settings.h"

namespace occam {

using nlohmann::json;

std::string HtmlEscape(const std::string& text) {
  std::string out;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t bad = InvalidUtf8Offset(rest);
    std::string_view good = rest.substr(0, bad);
    for (char c : good) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
      }
    }
    if (bad == std::string_view::npos) break;
    out += "\xEF\xBF\xBD";  // U+FFFD
    rest = rest.substr(bad + 1);
  }
  return out;
}

namespace {

const char kStyle[] = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.sub{color:#666}table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}.num{text-align:right}
.ready{color:#176f2c}.pending{color:#8a6100}.failed,.unknown,.shutdown{color:#b3261e}
.off{color:#b3261e;font-weight:bold}svg{background:#fff;border:1px solid #ddd}
svg text{font:12px system-ui,sans-serif}
)";

std::string Text(const std::string& s) { return HtmlEscape(s); }

std::string InstanceState(InstanceStatus status) {
  switch (status) {
    case InstanceStatus::kReady: return "ready";
    case InstanceStatus::kCreating: return "pending";
    case InstanceStatus::kDeleting: return "shutdown";
    case InstanceStatus::kTainted: return "failed";
    default: return "unknown";
  }
}

struct Counts {
  std::map<std::string, int> desired, actual;
};

Counts CountsOf(const StatusPageInput& in) {
  Counts c;
  c.actual = ActualCounts(*in.descriptor, *in.state);
  for (const NodeSpec& node : in.descriptor->nodes) {
    std::string note;
    c.desired[node.name] = DesiredCount(node, *in.state, &note);
  }
  return c;
}

void NodesSection(const StatusPageInput& in, const Counts& counts,
                  std::ostream& out) {
  out << "<h2>Node types</h2>\n<table id=\"nodes\"><tr><th>node</th><th>type"
         "</th><th class=num>desired</th><th class=num>ready</th><th class=num>"
         "min</th><th class=num>max</th><th>instances</th></tr>\n";
  for (const NodeSpec& node : in.descriptor->nodes) {
    out << "<tr><td>" << Text(node.name) << "</td><td>" << Text(node.type)
        << "</td><td class=num>" << counts.desired.at(node.name)
        << "</td><td class=num>" << counts.actual.at(node.name)
        << "</td><td class=num>" << node.scaling.min << "</td><td class=num>"
        << node.scaling.max << "</td><td>";
    for (const ResourceInstance* r : in.state->InstancesOf(node.name)) {
      std::string state = InstanceState(r->status);
      out << "<div class=instance><b>" << Text(r->address) << "</b> <span class=\""
          << state << "\">" << state << "</span> " << Text(InstanceEndpoint(r->outputs.value()))
          << " <span class=sub>" << Text(in.display_id ? in.display_id(*r) : r->provider_id)
          << "</span></div>";
    }
    out << "</td></tr>\n";
  }
  out << "</table>\n";
}

// Build levels left to right, each dependency an arrow to its dependent.
void GraphSection(const StatusPageInput& in, const Counts& counts,
                  std::ostream& out) {
  if (!in.graph || in.descriptor->nodes.empty()) return;
  std::vector<std::vector<int>> levels = in.graph->Levels();
  constexpr int kW = 150, kH = 40, kGapX = 60, kGapY = 20, kPad = 10;
  size_t rows = 1;
  for (const auto& level : levels) rows = std::max(rows, level.size());
  int width = kPad * 2 + static_cast<int>(levels.size()) * (kW + kGapX) - kGapX;
  // Room below the boxes for the arcs of edges that skip a level.
  int height = kPad * 2 + static_cast<int>(rows) * (kH + kGapY) - kGapY + kH;
  std::map<int, std::pair<int, int>> at;  // node -> top-left corner
  std::map<int, int> level_of;
  for (size_t l = 0; l < levels.size(); ++l) {
    for (size_t i = 0; i < levels[l].size(); ++i) {
      at[levels[l][i]] = {kPad + static_cast<int>(l) * (kW + kGapX),
                          kPad + static_cast<int>(i) * (kH + kGapY)};
      level_of[levels[l][i]] = static_cast<int>(l);
    }
  }
  out << "<h2>Dependency graph</h2>\n<svg id=\"graph\" width=\"" << width
      << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
      << height << "\" role=img aria-label=\"dependency graph\">\n"
      << "<defs><marker id=arrow viewBox=\"0 0 8 8\" refX=8 refY=4 "
         "markerWidth=8 markerHeight=8 orient=auto><path d=\"M0,0L8,4L0,8z\" "
         "fill=\"#888\"/></marker></defs>\n";
  for (const auto& [v, xy] : at) {
    for (int d : in.graph->dag().DependenciesOf(v)) {
      // Adjacent levels: a straight arrow between the boxes' sides; one
      // that skips levels leaves the bottom and arcs under the boxes
      // between (it would be hidden behind them).
      auto from = at.at(d);
      bool skips = level_of.at(v) - level_of.at(d) > 1;
      int x1 = from.first + (skips ? kW / 2 : kW);
      int y1 = from.second + (skips ? kH : kH / 2);
      int x2 = xy.first + (skips ? kW / 2 : 0);
      int y2 = xy.second + (skips ? kH : kH / 2);
      int dip = skips ? kH : 0;
      out << "<path class=edge d=\"M" << x1 << "," << y1 << " C" << x1 << ","
          << y1 + dip << " " << x2 << "," << y2 + dip << " " << x2 << "," << y2
          << "\" fill=none stroke=\"#888\" marker-end=\"url(#arrow)\"/>\n";
    }
  }
  for (const auto& [v, xy] : at) {
    const std::string& name = in.graph->name(v);
    bool short_of = counts.actual.at(name) < counts.desired.at(name);
    out << "<g><rect x=" << xy.first << " y=" << xy.second << " width=" << kW
        << " height=" << kH << " rx=5 fill=\"" << (short_of ? "#fff4e5" : "#eef6ee")
        << "\" stroke=\"#999\"/><text x=" << xy.first + 8 << " y="
        << xy.second + 17 << ">" << Text(name) << "</text><text x="
        << xy.first + 8 << " y=" << xy.second + 33 << " fill=\"#555\">"
        << counts.actual.at(name) << " of " << counts.desired.at(name)
        << " ready</text></g>\n";
  }
  out << "</svg>\n";
}

// "overloaded" or "underloaded" for an event an alert caused; "" else.
std::string AlertDirection(const Event& e) {
  if (e.kind == "alert") return JsonString(JsonField(e.detail, "labels"), "alert");
  if (e.kind == "scale" && JsonString(e.detail, "cause") == "alert") {
    return JsonString(JsonField(JsonField(e.detail, "source"), "labels"), "alert");
  }
  return "";
}

// The metric value an alert or its scale decision carried (target
// tracking), or NaN.
double MetricValue(const Event& e) {
  for (const json* d : {&e.detail, &JsonField(e.detail, "source")}) {
    const json& v = JsonField(*d, "value");
    if (v.is_number()) return v.get<double>();
  }
  return std::nan("");
}

double MetricTarget(const Event& e) {
  for (const json* d : {&e.detail, &JsonField(e.detail, "source")}) {
    const json& v = JsonField(*d, "target");
    if (v.is_number()) return v.get<double>();
  }
  return std::nan("");
}

// 0.42, 12, 1e-05: as short as JSON writes it.
std::string NumberText(double v) { return json(v).dump(); }

// "12:34:56" of a time.
std::string ClockTime(int64_t ms) { return FormatTimestamp(ms).substr(11, 8); }

// What one node type's chart draws.
struct ChartData {
  std::vector<const Event*> events;       // oldest first, every node's
  std::vector<CountSample> samples;       // this node's, oldest first
  const std::vector<MetricPoint>* metric = nullptr;  // from Prometheus
  int current = 0;                        // the desired count now
  int64_t t0 = 0, born = 0, now_ms = 0;   // span; nothing drawn before born
};

// The policy's target: the descriptor's, else the last an alert carried.
double TargetOf(const NodeSpec& node, const ChartData& d) {
  if (node.scaling.policy.target > 0) return node.scaling.policy.target;
  double target = std::nan("");
  for (const Event* e : d.events) {
    if (e->node == node.name && !std::isnan(MetricTarget(*e))) target = MetricTarget(*e);
  }
  return target;
}

// The policy's metric against its target, on a right axis scaled to their
// highest value: Prometheus's record as a line when there is one, else
// the values alerts carried as dots.
void MetricOf(const NodeSpec& node, const ChartData& d, int left, int top_px, int width,
              int height, const std::function<int(int64_t)>& x, std::ostream& out) {
  bool recorded = d.metric && !d.metric->empty();
  double target = TargetOf(node, d);
  double highest = std::isnan(target) ? 0 : target;
  std::vector<std::pair<int64_t, double>> dots;
  for (const Event* e : d.events) {
    double v = MetricValue(*e);
    if (e->node != node.name || std::isnan(v)) continue;
    highest = std::max(highest, v);
    // A scaling alert's value is drawn once, by its scale event.
    if (recorded || (e->kind == "alert" && JsonString(e->detail, "outcome") == "scaled")) {
      continue;
    }
    dots.push_back({e->time_ms, v});
  }
  if (recorded) {
    for (const MetricPoint& p : *d.metric) highest = std::max(highest, p.value);
  }
  if (highest <= 0) return;
  double mtop = highest * 1.1;
  auto my = [&](double v) {
    return top_px + height - static_cast<int>(std::clamp(v / mtop, 0.0, 1.0) * height);
  };
  out << "<text class=metric x=" << left + width + 6 << " y=" << top_px + 4 << ">"
      << NumberText(mtop) << "</text>\n";
  if (recorded) {
    out << "<polyline class=metric fill=none stroke=\"#8a6100\" stroke-width=1.5 "
        << "data-points=" << d.metric->size() << " points=\"";
    const char* sep = "";
    for (const MetricPoint& p : *d.metric) {
      if (p.time_ms < d.born) continue;
      out << sep << x(p.time_ms) << "," << my(p.value);
      sep = " ";
    }
    out << "\"><title>" << Text(node.scaling.policy.query) << " (Prometheus)</title>"
        << "</polyline>\n";
  }
  for (const auto& [t, v] : dots) {
    out << "<circle class=metric cx=" << x(t) << " cy=" << my(v)
        << " r=3 fill=\"#8a6100\"><title>" << FormatTimestamp(t) << " value "
        << NumberText(v) << "</title></circle>\n";
  }
  if (!std::isnan(target)) {
    out << "<line class=target x1=" << left << " y1=" << my(target) << " x2=" << left + width
        << " y2=" << my(target) << " stroke=\"#8a6100\" stroke-dasharray=\"2,3\"/>"
        << "<text class=metric x=" << left + width + 6 << " y=" << my(target) + 4
        << ">target " << NumberText(target) << "</text>\n";
  }
}

// The desired count: a step line from the node's scale events.
void DesiredLine(const NodeSpec& node, const ChartData& d, int start,
                 const std::function<int(int64_t)>& x, const std::function<int(int)>& y,
                 std::ostream& out) {
  out << "<polyline class=desired fill=none stroke=\"#1a5fb4\" "
      << "stroke-width=2 points=\"" << x(d.born) << "," << y(start);
  int value = start;
  for (const Event* e : d.events) {
    if (e->node != node.name || e->kind != "scale") continue;
    int to = JsonInt(e->detail, "to", value);
    out << " " << x(e->time_ms) << "," << y(value) << " " << x(e->time_ms) << "," << y(to);
    value = to;
  }
  // A count changed without a scale event (a descriptor's min edited) is
  // known now: a step at now, not a ramp.
  out << " " << x(d.now_ms) << "," << y(value);
  if (value != d.current) out << " " << x(d.now_ms) << "," << y(d.current);
  out << "\"/>\n";
}

// The ready count serve sampled, dashed.
void ReadyLine(const ChartData& d, const std::function<int(int64_t)>& x,
               const std::function<int(int)>& y, std::ostream& out) {
  if (d.samples.empty()) return;
  out << "<polyline class=ready fill=none stroke=\"#176f2c\" stroke-width=2 "
      << "stroke-dasharray=\"5,3\" points=\"";
  int ready = d.samples.front().ready;
  out << x(d.samples.front().time_ms) << "," << y(ready);
  for (const CountSample& c : d.samples) {
    out << " " << x(c.time_ms) << "," << y(ready) << " " << x(c.time_ms) << "," << y(c.ready);
    ready = c.ready;
  }
  out << " " << x(d.now_ms) << "," << y(ready) << "\"/>\n";
}

// A triangle for each alert about the node (filled: it scaled).
void AlertMarks(const NodeSpec& node, const ChartData& d, int top_px,
                const std::function<int(int64_t)>& x, std::ostream& out) {
  for (const Event* e : d.events) {
    std::string direction = e->node == node.name ? AlertDirection(*e) : "";
    if (direction.empty() || (e->kind == "alert" &&
                              JsonString(e->detail, "outcome") == "scaled")) {
      continue;  // a scaling alert is marked once, by its scale event
    }
    int px = x(e->time_ms);
    bool up = direction == "overloaded";
    bool scaled = e->kind == "scale";
    out << "<polygon class=\"alert " << (up ? "up" : "down") << "\" points=\""
        << px - 5 << "," << (up ? top_px : top_px - 8) << " " << px + 5 << ","
        << (up ? top_px : top_px - 8) << " " << px << "," << (up ? top_px - 8 : top_px)
        << "\" fill=\"" << (scaled ? (up ? "#b3261e" : "#176f2c") : "none")
        << "\" stroke=\"" << (up ? "#b3261e" : "#176f2c") << "\"><title>"
        << FormatTimestamp(e->time_ms) << " " << Text(e->message)
        << "</title></polygon>\n";
  }
}

// One node type's chart over [t0, now]: desired and ready counts, the
// policy's metric against its target, alerts, a labelled time axis.
void ChartOf(const NodeSpec& node, const ChartData& d, std::ostream& out) {
  constexpr int kL = 40, kT = 14, kW = 560, kH = 120, kR = 60;
  int top = std::max({node.scaling.max, d.current, 1});
  int start = d.current;
  bool first = true;
  for (const Event* e : d.events) {
    if (e->node != node.name) continue;
    if (e->kind == "scale" && first) {
      start = JsonInt(e->detail, "from", d.current);
      first = false;
    }
    top = std::max(top, JsonInt(e->detail, "to", 0));
  }
  for (const CountSample& c : d.samples) top = std::max({top, c.desired, c.ready});
  double span = static_cast<double>(std::max<int64_t>(d.now_ms - d.t0, 1));
  std::function<int(int64_t)> x = [&](int64_t t) {
    return kL + static_cast<int>(std::clamp<double>((t - d.t0) / span, 0, 1) * kW);
  };
  std::function<int(int)> y = [&](int c) { return kT + kH - c * kH / top; };
  out << "<h3>" << Text(node.name) << "</h3>\n<svg class=chart data-node=\""
      << Text(node.name) << "\" width=" << kL + kW + kR << " height="
      << kT + kH + 34 << " role=img aria-label=\"" << Text(node.name)
      << " count over time\">\n<line x1=" << kL << " y1=" << y(0) << " x2="
      << kL + kW << " y2=" << y(0) << " stroke=\"#bbb\"/>\n<text x=4 y="
      << y(0) + 4 << ">0</text><text x=4 y=" << y(top) + 4 << ">" << top
      << "</text>\n";
  // The time axis: five labelled ticks, the date once.
  for (int i = 0; i <= 4; ++i) {
    int64_t t = d.t0 + static_cast<int64_t>(span * i / 4);
    int px = x(t);
    out << "<line class=tick x1=" << px << " y1=" << y(0) << " x2=" << px << " y2="
        << y(0) + 4 << " stroke=\"#888\"/><text class=tick x=" << px - 24 << " y="
        << kT + kH + 18 << ">" << (i == 4 ? "now" : ClockTime(t)) << "</text>\n";
  }
  out << "<text class=sub x=" << kL << " y=" << kT + kH + 32 << ">"
      << FormatTimestamp(d.t0).substr(0, 10) << " UTC</text>\n";
  DesiredLine(node, d, start, x, y, out);
  ReadyLine(d, x, y, out);
  MetricOf(node, d, kL, kT, kW, kH, x, out);
  AlertMarks(node, d, kT, x, out);
  out << "</svg>\n";
}

// The infrastructure's recorded lifetime: from its oldest event (or
// sample) on. Nothing is drawn before it.
int64_t BornMs(const StatusPageInput& in) {
  int64_t born = in.now_ms;
  if (!in.events.empty()) born = std::min(born, in.events.back().time_ms);
  for (const auto& [node, samples] : in.samples) {
    if (!samples.empty()) born = std::min(born, samples.front().time_ms);
  }
  return born;
}

void ChartsSection(const StatusPageInput& in, const Counts& counts,
                   std::ostream& out) {
  ChartData d;
  for (auto it = in.events.rbegin(); it != in.events.rend(); ++it) d.events.push_back(&*it);
  d.born = BornMs(in);
  d.t0 = ChartsStartMs(in);
  d.now_ms = in.now_ms;
  bool any = false;
  for (const NodeSpec& node : in.descriptor->nodes) {
    if (node.scaling.min == node.scaling.max) continue;
    if (!any) {
      out << "<h2>Scaling</h2>\n<p class=sub>Desired count (blue) and ready count "
             "(green, dashed) over time; the policy's metric value (right axis: "
             "a line as Prometheus recorded it, else dots where alerts carried "
             "it) against its target (dotted); &#9650; overloaded and &#9660; "
             "underloaded alerts (filled: it scaled).</p>\n";
      if (!in.metrics_error.empty()) {
        out << "<p class=sub id=metrics-error>No metric history: "
            << Text(in.metrics_error) << "</p>\n";
      }
    }
    any = true;
    auto samples = in.samples.find(node.name);
    d.samples = samples == in.samples.end() ? std::vector<CountSample>() : samples->second;
    auto metric = in.metrics.find(node.name);
    d.metric = metric == in.metrics.end() ? nullptr : &metric->second;
    d.current = counts.desired.at(node.name);
    ChartOf(node, d, out);
  }
}

bool IsDecision(const Event& e) {
  return e.kind == "scale" || e.kind == "alert" || e.kind == "infrastructure" ||
         e.kind == "health" || e.kind == "apply";
}

// Who or what made a decision: an alert, the CLI, a REST call, serve.
std::string CauseOf(const Event& e) {
  if (e.kind == "apply") return JsonString(e.detail, "by", "cli") + " apply";
  if (e.kind == "health") return "health check";
  return JsonString(e.detail, "cause", e.kind);
}

std::string OutcomeOf(const Event& e) {
  if (e.kind == "health") return "recreated";
  if (e.kind == "apply") {
    const json& failed = JsonField(e.detail, "failed");
    return failed.is_array() && !failed.empty() ? "failed" : "applied";
  }
  return JsonString(e.detail, "outcome", e.kind == "scale" ? "scaled" : "");
}

void DecisionsSection(const StatusPageInput& in, std::ostream& out) {
  out << "<h2>Last decisions</h2>\n<table id=\"decisions\"><tr><th>time</th>"
         "<th>node</th><th>cause</th><th>outcome</th><th>message</th></tr>\n";
  int shown = 0;
  const std::vector<Event>& events = in.events;
  for (size_t i = 0; i < events.size();) {
    const Event& e = events[i];
    if (!IsDecision(e)) {
      ++i;
      continue;
    }
    // The same decision again and again (an alert clamped at min every
    // evaluation) is one row with a count.
    size_t repeats = 1;
    while (i + repeats < events.size() && events[i + repeats].kind == e.kind &&
           events[i + repeats].node == e.node && events[i + repeats].message == e.message) {
      ++repeats;
    }
    if (++shown > kStatusPageDecisions) break;
    out << "<tr><td>" << FormatTimestamp(e.time_ms) << "</td><td>" << Text(e.node)
        << "</td><td>" << Text(CauseOf(e)) << "</td><td>" << Text(OutcomeOf(e))
        << "</td><td>" << Text(e.message);
    if (repeats > 1) {
      out << " <span class=sub>(&times;" << repeats << " since "
          << FormatTimestamp(events[i + repeats - 1].time_ms) << ")</span>";
    }
    out << "</td></tr>\n";
    i += repeats;
  }
  if (shown == 0) out << "<tr><td colspan=5 class=sub>none yet</td></tr>\n";
  out << "</table>\n";
}

}  // namespace

int64_t ChartsStartMs(const StatusPageInput& in) {
  return std::min(BornMs(in), in.now_ms - 60'000);
}

std::string RenderStatusPage(const StatusPageInput& in) {
  std::ostringstream out;
  const StateSnapshot& state = *in.state;
  auto lifecycle = state.settings.find(kLifecycleSetting);
  std::string life = lifecycle == state.settings.end() ? "" : lifecycle->second;
  std::string name = in.descriptor->infra_name.empty()
                         ? "no infrastructure yet"
                         : in.descriptor->infra_name;
  out << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
      << "<meta name=viewport content=\"width=device-width\">\n";
  if (in.refresh_seconds > 0) {
    out << "<meta http-equiv=refresh content=\"" << in.refresh_seconds << "\">\n";
  }
  // No favicon request: the page loads nothing but itself.
  out << "<link rel=icon href=\"data:,\">\n<title>occam serve: " << Text(name)
      << "</title>\n<style>" << kStyle << "</style></head><body>\n<h1>"
      << Text(name) << "</h1>\n<p class=sub>infrastructure " << Text(state.infra_id)
      << " &middot; state serial " << state.serial << " &middot; "
      << FormatTimestamp(in.now_ms);
  if (!life.empty()) {
    out << " &middot; <span class=\"" << (life == "active" ? "" : "off")
        << "\">" << Text(life) << "</span>";
  }
  if (!in.leadership.empty()) out << " &middot; " << Text(in.leadership);
  out << "</p>\n";
  Counts counts = CountsOf(in);
  NodesSection(in, counts, out);
  GraphSection(in, counts, out);
  ChartsSection(in, counts, out);
  DecisionsSection(in, out);
  out << "</body></html>\n";
  return out.str();
}

}  // namespace occam
