// occam serve's own figures, in the Prometheus text exposition format:
// desired and actual instances per node type, applies and their durations,
// scaling decisions by cause and outcome, errors. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace occam {

class ServeMetrics {
 public:
  void SetCounts(const std::map<std::string, int>& desired,
                 const std::map<std::string, int>& actual);
  void Apply(bool ok, double seconds);
  void Decision(const std::string& cause, const std::string& outcome);
  void Error(const std::string& where);
  void Request(const std::string& route, int code);

  std::string Render();

 private:
  std::mutex mu_;
  std::map<std::string, int> desired_, actual_;
  std::map<std::string, long> applies_;  // by outcome
  double apply_seconds_sum_ = 0;
  long apply_count_ = 0;
  std::map<std::pair<std::string, std::string>, long> decisions_;
  std::map<std::string, long> errors_;
  std::map<std::pair<std::string, int>, long> requests_;
};

}  // namespace occam
