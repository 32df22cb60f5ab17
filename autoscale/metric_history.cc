#include "autoscale/metric_history.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

namespace occam {
namespace {

using nlohmann::json;

// An answer larger than this is not a chart's worth of points.
constexpr size_t kMaxAnswer = 4 << 20;

size_t Collect(char* data, size_t size, size_t n, void* out) {
  std::string* text = static_cast<std::string*>(out);
  if (text->size() + size * n > kMaxAnswer) return 0;
  text->append(data, size * n);
  return size * n;
}

std::string Escaped(CURL* curl, const std::string& text) {
  std::unique_ptr<char, decltype(&curl_free)> e(
      curl_easy_escape(curl, text.data(), static_cast<int>(text.size())), curl_free);
  return e ? e.get() : "";
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000);
  return buf;
}

// GET `url`: the body and HTTP status.
Status Get(const std::string& url, std::string* body, long* code) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                            curl_easy_cleanup);
  if (!curl) return Status::Internal("cannot start an HTTP client");
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    return Status::Unavailable(std::string(*error ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, code);
  return Status::Ok();
}

}  // namespace

Status ParseMetricHistory(const std::string& answer, std::vector<MetricPoint>* out) {
  out->clear();
  json j = json::parse(answer, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("the answer is not JSON");
  if (j.value("status", "") != "success") {
    return Status::InvalidArgument(j.value("error", std::string("status is not success")));
  }
  const json& data = j["data"];
  if (!data.is_object() || data.value("resultType", "") != "matrix" ||
      !data["result"].is_array()) {
    return Status::InvalidArgument("the answer holds no matrix");
  }
  std::map<int64_t, double> highest;
  for (const json& series : data["result"]) {
    if (!series.is_object() || !series["values"].is_array()) continue;
    for (const json& pair : series["values"]) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number() ||
          !pair[1].is_string()) {
        continue;
      }
      double seconds = pair[0].get<double>();
      double value = std::strtod(pair[1].get<std::string>().c_str(), nullptr);
      if (!std::isfinite(seconds) || !std::isfinite(value) || std::fabs(seconds) > 1e12) {
        continue;  // NaN, ±Inf: nothing to draw
      }
      int64_t ms = static_cast<int64_t>(std::llround(seconds * 1000));
      auto [it, fresh] = highest.emplace(ms, value);
      if (!fresh) it->second = std::max(it->second, value);
    }
  }
  for (const auto& [ms, value] : highest) out->push_back({ms, value});
  return Status::Ok();
}

Status QueryMetricHistory(const std::string& prometheus_url, const std::string& query,
                          int64_t start_ms, int64_t end_ms,
                          std::vector<MetricPoint>* out) {
  out->clear();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> escaper(curl_easy_init(),
                                                               curl_easy_cleanup);
  if (!escaper) return Status::Internal("cannot start an HTTP client");
  int64_t step_ms = std::max<int64_t>(1000, (end_ms - start_ms) / kMetricHistoryPoints);
  std::string base = prometheus_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/api/v1/query_range?query=" + Escaped(escaper.get(), query) +
                    "&start=" + Seconds(start_ms) + "&end=" + Seconds(end_ms) +
                    "&step=" + Seconds(step_ms);
  std::string body;
  long code = 0;
  Status s = Get(url, &body, &code);
  if (s.ok()) s = ParseMetricHistory(body, out);
  if (s.ok() && (code < 200 || code >= 300)) {
    s = Status::Unavailable("HTTP " + std::to_string(code));
  }
  if (!s.ok()) {
    return Status::Unavailable("Prometheus at " + base + " did not give the history of " +
                               query + ": " + s.message());
  }
  return s;
}

}  // namespace occam
