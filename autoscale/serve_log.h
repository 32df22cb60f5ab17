// occam serve's log: one structured line per thing the daemon does, on
// stderr — logfmt by default (time=… level=info event=decision node=app
// from=1 to=2 …), JSON lines with --log-format json — so that an operator
// sees decisions, applies, instances and errors as they happen and a log
// pipeline can parse them. Values from outside (alert labels) are escaped:
// nothing reaches the terminal raw. Thread-safe.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "apply/apply.h"

namespace occam {

class ServeLog {
 public:
  enum class Format { kLogfmt, kJson };
  using Fields = std::vector<std::pair<std::string, nlohmann::json>>;

  ServeLog(Format format, std::ostream& out) : format_(format), out_(out) {}

  // level: "info", "warn", "error"; event: "alert", "decision",
  // "apply_start", "apply_finish", "instance_created", "config", "error" …
  void Log(const std::string& level, const std::string& event,
           const std::string& message, const Fields& fields = {});

 private:
  Format format_;
  std::ostream& out_;
  std::mutex mu_;
};

// "logfmt" or "json"; false for anything else.
bool ParseLogFormat(const std::string& text, ServeLog::Format* out);

// Logs each finished operation of an apply: instance_created,
// instance_deleted, instance_updated, or instance_failed with the error.
// The first operation's start is logged as apply_start.
class LoggingObserver : public ApplyObserver {
 public:
  explicit LoggingObserver(ServeLog* log) : log_(log) {}
  void OnEvent(const ApplyEvent& event) override;

 private:
  ServeLog* log_;
  bool started_ = false;
};

}  // namespace occam
