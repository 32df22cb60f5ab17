#include "autoscale/serve_metrics.h"

#include <sstream>

namespace occam {
namespace {

// A label value with \, " and newlines escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

void Header(std::ostringstream& out, const char* name, const char* type,
            const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type
      << "\n";
}

}  // namespace

void ServeMetrics::SetCounts(const std::map<std::string, int>& desired,
                             const std::map<std::string, int>& actual) {
  std::lock_guard<std::mutex> lock(mu_);
  desired_ = desired;
  actual_ = actual;
}

void ServeMetrics::Apply(bool ok, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++applies_[ok ? "ok" : "failed"];
  apply_seconds_sum_ += seconds;
  ++apply_count_;
}

void ServeMetrics::Decision(const std::string& cause,
                            const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++decisions_[{cause, outcome}];
}

void ServeMetrics::Error(const std::string& where) {
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[where];
}

void ServeMetrics::Request(const std::string& route, int code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, code}];
}

std::string ServeMetrics::Render() {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  Header(out, "occam_desired_instances", "gauge",
         "Desired instances per node type.");
  for (const auto& [node, n] : desired_) {
    out << "occam_desired_instances{node=\"" << Escape(node) << "\"} " << n
        << "\n";
  }
  Header(out, "occam_actual_instances", "gauge",
         "Ready instances per node type after the last round.");
  for (const auto& [node, n] : actual_) {
    out << "occam_actual_instances{node=\"" << Escape(node) << "\"} " << n
        << "\n";
  }
  Header(out, "occam_applies_total", "counter", "Applies by outcome.");
  for (const char* outcome : {"ok", "failed"}) {
    auto it = applies_.find(outcome);
    out << "occam_applies_total{outcome=\"" << outcome << "\"} "
        << (it == applies_.end() ? 0 : it->second) << "\n";
  }
  Header(out, "occam_apply_duration_seconds", "summary",
         "How long applies took.");
  out << "occam_apply_duration_seconds_sum " << apply_seconds_sum_ << "\n"
      << "occam_apply_duration_seconds_count " << apply_count_ << "\n";
  Header(out, "occam_scaling_decisions_total", "counter",
         "Scaling decisions by cause and outcome.");
  for (const auto& [key, n] : decisions_) {
    out << "occam_scaling_decisions_total{cause=\"" << Escape(key.first)
        << "\",outcome=\"" << Escape(key.second) << "\"} " << n << "\n";
  }
  Header(out, "occam_errors_total", "counter", "Errors by where they arose.");
  for (const auto& [where, n] : errors_) {
    out << "occam_errors_total{where=\"" << Escape(where) << "\"} " << n
        << "\n";
  }
  Header(out, "occam_http_requests_total", "counter",
         "HTTP requests by route and status code.");
  for (const auto& [key, n] : requests_) {
    out << "occam_http_requests_total{route=\"" << Escape(key.first)
        << "\",code=\"" << key.second << "\"} " << n << "\n";
  }
  return out.str();
}

}  // namespace occam
