// A scaling policy's metric over time, as Prometheus recorded it: serve's
// status page plots it against the policy's target (GET
// /api/v1/query_range of the policy's query).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

// A metric's value at a time.
struct MetricPoint {
  int64_t time_ms = 0;
  double value = 0;
};

// At most this many points per query (Prometheus refuses more than 11,000).
constexpr int kMetricHistoryPoints = 240;

// `query` evaluated by the Prometheus at `prometheus_url`
// (http://127.0.0.1:9090) over [start_ms, end_ms], about
// kMetricHistoryPoints steps; where it gives several series, the highest
// value at each time (an alert fires on any series over its threshold).
// Waits at most two seconds. An unreachable Prometheus, an error answer or
// a query it refuses is an error with its reason.
Status QueryMetricHistory(const std::string& prometheus_url, const std::string& query,
                          int64_t start_ms, int64_t end_ms,
                          std::vector<MetricPoint>* out);

// The points of a query_range answer (Prometheus's JSON), as above.
Status ParseMetricHistory(const std::string& answer, std::vector<MetricPoint>* out);

}  // namespace occam
