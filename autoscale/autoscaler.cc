#include "autoscale/autoscaler.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/json_fields.h"
#include "planner/planner.h"
#include "planner/scaling.h"
#include "state/state_settings.h"

namespace occam {
namespace {

using nlohmann::json;

std::string Label(const json& labels, const char* key) {
  return JsonString(labels, key);
}

// An alert as Alertmanager notifies it again: same fingerprint and start.
std::string AlertKey(const std::string& fingerprint, const std::string& starts_at) {
  return fingerprint + "@" + starts_at;
}

}  // namespace

Status ParseAlertmanagerPayload(const std::string& body,
                                std::vector<Alert>* out) {
  json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) {
    return Status::InvalidArgument(
        "the body is not a JSON object (an Alertmanager webhook payload)");
  }
  if (payload.contains("version") && payload["version"] != "4") {
    return Status::InvalidArgument("webhook payload version " +
                                   payload["version"].dump() +
                                   " is not 4, the one occam reads");
  }
  if (!payload.contains("alerts") || !payload["alerts"].is_array()) {
    return Status::InvalidArgument("the payload has no 'alerts' list");
  }
  if (payload["alerts"].size() > kMaxAlertsPerRequest) {
    return Status::TooLarge(
        "the payload holds " + std::to_string(payload["alerts"].size()) +
        " alerts; occam serve takes at most " + std::to_string(kMaxAlertsPerRequest) +
        " in one request (set max_alerts in Alertmanager's webhook_config)");
  }
  out->clear();
  for (const json& a : payload["alerts"]) {
    if (!a.is_object()) {
      return Status::InvalidArgument("an alert is not a JSON object");
    }
    for (const char* key : {"status", "fingerprint", "startsAt"}) {
      if (a.contains(key) && !a[key].is_string()) {
        return Status::InvalidArgument(std::string("an alert's '") + key +
                                       "' is not a string");
      }
    }
    Alert alert;
    alert.status = JsonString(a, "status");
    alert.fingerprint = JsonString(a, "fingerprint");
    alert.starts_at = JsonString(a, "startsAt");
    if (a.contains("labels") && a["labels"].is_object()) {
      alert.labels = a["labels"];
    }
    if (a.contains("annotations") && a["annotations"].is_object()) {
      alert.annotations = a["annotations"];
    }
    out->push_back(std::move(alert));
  }
  return Status::Ok();
}

bool IsForeignOutcome(const std::string& outcome) {
  return outcome == "not_occams" || outcome == "other_infrastructure" ||
         outcome == "unknown_node";
}

namespace {

// The alert's `value` annotation (or label) as a finite number.
bool AlertValue(const Alert& alert, double* value) {
  std::string text = JsonString(alert.annotations, "value");
  if (text.empty()) text = JsonString(alert.labels, "value");
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && std::isfinite(*value);
}

}  // namespace

int Step(const NodeSpec& node, const StateSnapshot& state, const Alert& alert,
         bool up, nlohmann::json* detail) {
  const ScalingPolicy& p = node.scaling.policy;
  double value = 0;
  if (p.target <= 0 || !AlertValue(alert, &value) || value < 0) return up ? 1 : -1;
  std::string note;
  int current = DesiredCount(node, state, &note);
  double wanted = std::ceil(current * value / p.target);
  int step = static_cast<int>(std::clamp(wanted - current, -1e6, 1e6));
  step = up ? std::max(step, 1) : std::min(step, -1);
  if (p.max_step > 0) step = std::clamp(step, -p.max_step, p.max_step);
  (*detail)["value"] = value;
  (*detail)["target"] = p.target;
  (*detail)["step"] = step;
  return step;
}

AlertDecision Autoscaler::Decide(const Alert& alert,
                                 const Descriptor& descriptor,
                                 const StateSnapshot& state,
                                 Clock::time_point now) {
  AlertDecision d;
  d.node = Label(alert.labels, "node");
  std::string direction = Label(alert.labels, "alert");
  std::string key = AlertKey(alert.fingerprint, alert.starts_at);
  int index = descriptor.FindNode(d.node);
  Event event;
  event.kind = "alert";
  event.node = d.node;
  event.detail = {{"cause", "alert"},
                  {"alertname", Label(alert.labels, "alertname")},
                  {"fingerprint", alert.fingerprint},
                  {"startsAt", alert.starts_at},
                  {"status", alert.status},
                  {"labels", alert.labels}};
  auto refuse = [&](std::string outcome, std::string why) {
    d.outcome = std::move(outcome);
    event.message = "alert " + Label(alert.labels, "alertname") + ": " + why;
    event.detail["outcome"] = d.outcome;
    d.change.events.push_back(event);
    return d;
  };
  if (direction != "overloaded" && direction != "underloaded") {
    return refuse("not_occams", "no label alert: overloaded|underloaded");
  }
  if ((IsDestroyed(state) || IsDestroying(state)) &&
      Label(alert.labels, "infra_id") == state.infra_id) {
    return refuse("refused",
                  "the infrastructure is destroyed; occam serve does not "
                  "scale it until occam apply (or POST /infrastructures/) makes "
                  "it active again");
  }
  if (Label(alert.labels, "infra_id") != state.infra_id) {
    return refuse("other_infrastructure",
                  "for infrastructure '" + Label(alert.labels, "infra_id") +
                      "', not this one (" + state.infra_id + ")");
  }
  if (index < 0) return refuse("unknown_node", "no node '" + d.node + "'");
  if (alert.status != "firing") return refuse("resolved", "resolved; no change");
  const NodeSpec& node = descriptor.nodes[index];
  auto cooldown = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(node.scaling.policy.cooldown_seconds));
  auto same = alert_scaled_.find(key);
  if (same != alert_scaled_.end() && now - same->second < cooldown) {
    return refuse("duplicate", "already acted on this alert");
  }
  auto last = last_scaled_.find(d.node);
  if (last != last_scaled_.end() && now - last->second < cooldown) {
    return refuse("cooldown", d.node + " is cooling down");
  }
  ScaleRequest request;
  request.node = d.node;
  request.amount = Step(node, state, alert, direction == "overloaded", &event.detail);
  request.cause = "alert";
  request.cause_detail = event.detail;
  ScaleDecision decision;
  Status s = DecideScale(descriptor, state, request, &decision);
  if (!s.ok()) return refuse("error", s.message());
  if (decision.from == decision.to) {
    return refuse("clamped", decision.message);
  }
  d.outcome = "scaled";
  decision.change.events.back().detail["outcome"] = d.outcome;
  d.change = std::move(decision.change);
  last_scaled_[d.node] = now;
  alert_scaled_[AlertKey(alert.fingerprint, alert.starts_at)] = now;
  // Forget alerts whose cooldown is long over.
  for (auto it = alert_scaled_.begin(); it != alert_scaled_.end();) {
    it = now - it->second > 10 * cooldown ? alert_scaled_.erase(it) : ++it;
  }
  return d;
}

void Autoscaler::Restore(const std::vector<Event>& events, int64_t now_ms,
                         Clock::time_point now) {
  for (const Event& e : events) {
    if (e.kind != "scale" || JsonString(e.detail, "cause") != "alert" ||
        JsonString(e.detail, "outcome") != "scaled") {
      continue;
    }
    auto at = now - std::chrono::milliseconds(std::max<int64_t>(0, now_ms - e.time_ms));
    const json& source = JsonField(e.detail, "source");
    auto remember = [at](Clock::time_point* slot) { *slot = std::max(*slot, at); };
    auto node = last_scaled_.try_emplace(e.node, at).first;
    remember(&node->second);
    auto alert = alert_scaled_.try_emplace(
        AlertKey(JsonString(source, "fingerprint"), JsonString(source, "startsAt")), at).first;
    remember(&alert->second);
  }
}

}  // namespace occam
