#include "autoscale/serve_log.h"

#include "base/clock.h"
#include "base/utf8.h"

namespace occam {
namespace {

using nlohmann::json;

// A logfmt value: bare when it can be, else quoted with \" and \\ escaped;
// control characters never pass (Printable).
std::string LogfmtValue(const json& v) {
  std::string text = v.is_string() ? v.get<std::string>()
                                   : v.dump(-1, ' ', false, json::error_handler_t::replace);
  text = Printable(text);
  bool bare = !text.empty() && text.find_first_of(" =\"\\") == std::string::npos;
  if (bare) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void ServeLog::Log(const std::string& level, const std::string& event,
                   const std::string& message, const Fields& fields) {
  std::string line;
  if (format_ == Format::kJson) {
    json j = {{"time", FormatTimestamp(NowMillis())}, {"level", level}, {"event", event}, {"msg", message}};
    for (const auto& [key, value] : fields) j[key] = value;
    line = j.dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    line = "time=" + FormatTimestamp(NowMillis()) + " level=" + level + " event=" + event +
           " msg=" + LogfmtValue(message);
    for (const auto& [key, value] : fields) line += " " + key + "=" + LogfmtValue(value);
  }
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line << "\n" << std::flush;
}

bool ParseLogFormat(const std::string& text, ServeLog::Format* out) {
  if (text == "logfmt") *out = ServeLog::Format::kLogfmt;
  else if (text == "json") *out = ServeLog::Format::kJson;
  else return false;
  return true;
}

void LoggingObserver::OnEvent(const ApplyEvent& e) {
  if (e.kind == ApplyEvent::Kind::kStart) {
    if (!started_) log_->Log("info", "apply_start", "applying the plan");
    started_ = true;
    return;
  }
  ServeLog::Fields fields = {{"address", e.address}, {"seconds", e.seconds}};
  if (!e.id.empty()) fields.emplace_back("id", e.id);
  if (e.kind == ApplyEvent::Kind::kFail || e.kind == ApplyEvent::Kind::kSkip) {
    fields.emplace_back("error", e.message);
    log_->Log(e.kind == ApplyEvent::Kind::kFail ? "error" : "warn",
              e.kind == ApplyEvent::Kind::kFail ? "instance_failed" : "instance_skipped",
              e.address + ": " + e.operation + " failed", fields);
    return;
  }
  std::string event = e.operation == "create"   ? "instance_created"
                      : e.operation == "delete" ? "instance_deleted"
                                                : "instance_updated";
  log_->Log("info", event, e.address + ": " + e.operation + " complete", fields);
}

}  // namespace occam
