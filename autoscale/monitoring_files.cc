#include "autoscale/monitoring_files.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/atomic_file.h"
#include "providers/run_program.h"

namespace occam {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string("\x01(unreadable)");
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Runs `tool` with `args` and the text in a temporary file as the last
// argument; false in `*ran` when the tool is not installed.
Status CheckWith(const std::string& tool, const std::vector<std::string>& args,
                 const std::string& text, const std::string& what, bool* ran) {
  char path[] = "/tmp/occam-check-XXXXXX.yml";
  int fd = mkstemps(path, 4);
  if (fd < 0) return Status::IOError("cannot make a temporary file to check " + what);
  bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  std::vector<std::string> argv = {tool};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(path);
  ProgramResult result;
  Status s = written ? RunProgram(argv, "", 30, &result)
                     : Status::IOError("cannot write " + std::string(path));
  unlink(path);
  *ran = s.ok();
  if (!s.ok()) return Status::Ok();  // not installed: nothing to ask
  if (result.exit_code == 0) return Status::Ok();
  std::string reason = result.out + result.err;
  for (size_t at; (at = reason.find(path)) != std::string::npos;) {
    reason.replace(at, sizeof(path) - 1, what);
  }
  return Status::InvalidArgument(tool + " rejects the " + what + ": " + reason);
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  std::string* text = static_cast<std::string*>(out);
  if (text->size() < 2048) text->append(data, std::min(size * n, 2048 - text->size()));
  return size * n;
}

// POST URL with no body; an answer other than 2xx is an error with its text.
Status PostReload(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (!curl) return Status::Internal("cannot start an HTTP client");
  std::string body;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return Status::Unavailable("cannot reload " + url + ": " +
                               (*error ? error : curl_easy_strerror(rc)));
  }
  if (code >= 200 && code < 300) return Status::Ok();
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  std::string hint = code == 403 ? " (start Prometheus with --web.enable-lifecycle)" : "";
  return Status::Unavailable(url + " refused the reload: HTTP " +
                             std::to_string(code) + (body.empty() ? "" : ": " + body) +
                             hint);
}

}  // namespace

std::string MonitoringFilesToJson(const MonitoringFiles& f) {
  json statics = json::array();
  for (const auto& [name, targets] : f.options.static_jobs) {
    statics.push_back({{"name", name}, {"targets", targets}});
  }
  return json{{"rules", f.rules},
              {"alertmanager", f.alertmanager},
              {"prometheus", f.prometheus},
              {"receiver_url", f.receiver.url},
              {"token_file", f.receiver.token_file},
              {"group_wait", f.receiver.group_wait},
              {"group_interval", f.receiver.group_interval},
              {"repeat_interval", f.receiver.repeat_interval},
              {"targets_dir", f.options.targets_dir},
              {"alertmanager_address", f.options.alertmanager},
              {"scrape", f.options.scrape_nodes},
              {"static_jobs", statics},
              {"scrape_interval", f.options.scrape_interval},
              {"evaluation_interval", f.options.evaluation_interval},
              {"reload", f.reload_urls}}
      .dump();
}

bool RecordedMonitoringFiles(const StateSnapshot& state, MonitoringFiles* out) {
  auto it = state.settings.find(kMonitoringSetting);
  if (it == state.settings.end() || it->second.empty()) return false;
  json j = json::parse(it->second, nullptr, false);
  if (!j.is_object()) return false;
  *out = MonitoringFiles();
  out->rules = Str(j, "rules");
  out->alertmanager = Str(j, "alertmanager");
  out->prometheus = Str(j, "prometheus");
  out->receiver.url = Str(j, "receiver_url");
  out->receiver.token_file = Str(j, "token_file");
  out->receiver.group_wait = Str(j, "group_wait");
  out->receiver.group_interval = Str(j, "group_interval");
  out->receiver.repeat_interval = Str(j, "repeat_interval");
  out->options.rules_file = out->rules;
  out->options.targets_dir = Str(j, "targets_dir");
  out->options.alertmanager = Str(j, "alertmanager_address");
  out->options.scrape_interval = Str(j, "scrape_interval");
  out->options.evaluation_interval = Str(j, "evaluation_interval");
  for (const json& n : j.value("scrape", json::array())) {
    if (n.is_string()) out->options.scrape_nodes.push_back(n.get<std::string>());
  }
  for (const json& job : j.value("static_jobs", json::array())) {
    std::vector<std::string> targets;
    for (const json& t : job.value("targets", json::array())) {
      if (t.is_string()) targets.push_back(t.get<std::string>());
    }
    out->options.static_jobs.push_back({Str(job, "name"), targets});
  }
  for (const json& u : j.value("reload", json::array())) {
    if (u.is_string()) out->reload_urls.push_back(u.get<std::string>());
  }
  return !out->rules.empty() || !out->alertmanager.empty() || !out->prometheus.empty();
}

std::vector<std::pair<std::string, std::string>> RenderMonitoringFiles(
    const Descriptor& descriptor, const std::string& infra_id,
    const MonitoringFiles& files) {
  MonitoringPace pace = PaceOf(descriptor);
  std::vector<std::pair<std::string, std::string>> out;
  if (!files.rules.empty()) {
    out.push_back({files.rules, AlertRulesYaml(descriptor, infra_id)});
  }
  if (!files.alertmanager.empty()) {
    out.push_back({files.alertmanager,
                   AlertmanagerConfigYaml(infra_id, pace, files.receiver)});
  }
  if (!files.prometheus.empty()) {
    out.push_back({files.prometheus,
                   PrometheusConfigYaml(descriptor, pace, files.options)});
  }
  return out;
}

Status CheckMonitoringTexts(
    const MonitoringFiles& files,
    const std::vector<std::pair<std::string, std::string>>& texts,
    bool* checked) {
  *checked = false;
  for (const auto& [path, text] : texts) {
    bool ran = false;
    Status s;
    if (path == files.rules) {
      s = CheckWith("promtool", {"check", "rules"}, text, "alerting rules", &ran);
    } else if (path == files.alertmanager) {
      s = CheckWith("amtool", {"check-config"}, text, "Alertmanager configuration", &ran);
    }
    if (!s.ok()) return s;
    *checked = *checked || ran;
  }
  return Status::Ok();
}

std::vector<std::string> StaleMonitoringFiles(const Descriptor& descriptor,
                                              const StateSnapshot& state) {
  MonitoringFiles files;
  std::vector<std::string> stale;
  if (!RecordedMonitoringFiles(state, &files)) return stale;
  for (const auto& [path, text] : RenderMonitoringFiles(descriptor, state.infra_id, files)) {
    if (ReadFile(path) != text) stale.push_back(path);
  }
  return stale;
}

Status KeepMonitoringInStep(const Descriptor& descriptor,
                            const StateSnapshot& state,
                            MonitoringUpdate* update) {
  *update = MonitoringUpdate();
  MonitoringFiles files;
  if (!RecordedMonitoringFiles(state, &files)) return Status::Ok();
  std::vector<std::pair<std::string, std::string>> stale;
  for (auto& [path, text] : RenderMonitoringFiles(descriptor, state.infra_id, files)) {
    if (ReadFile(path) != text) stale.push_back({path, std::move(text)});
  }
  if (stale.empty()) return Status::Ok();
  bool checked = false;
  Status s = CheckMonitoringTexts(files, stale, &checked);
  for (const auto& [path, text] : stale) {
    if (s.ok()) s = WriteFileAtomically(path, text, 0644);
    if (s.ok()) update->rewritten.push_back(path);
  }
  for (const std::string& url : files.reload_urls) {
    if (s.ok()) s = PostReload(url);
    if (s.ok()) update->reloaded.push_back(url);
  }
  if (!s.ok()) return s.WithMessage("keeping the monitoring files in step: " + s.message());
  return s;
}

}  // namespace occam
