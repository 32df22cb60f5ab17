#include "providers/health_check.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace occam {
namespace {

using nlohmann::json;

std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  for (size_t at; (at = text.find(from)) != std::string::npos;) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool TcpOpen(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) == 1;
  if (ok && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    ok = errno == EINPROGRESS && poll(&p, 1, 1000) == 1 &&
         getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
  close(fd);
  return ok;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// "" when `url` answers 2xx or 3xx; otherwise what happened, as it
// happened: the status it answered ("answered HTTP 500"), or why it did not
// answer (connection refused, timed out, …): a service that is up but
// failing and one that is gone are different faults.
std::string UrlProblem(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (!curl) return url + ": cannot start an HTTP client";
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  long code = 0;
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return url + " does not answer (" +
           (*error ? std::string(error) : curl_easy_strerror(rc)) + ")";
  }
  if (code >= 200 && code < 400) return "";
  return url + " answered HTTP " + std::to_string(code);
}

// One ICMP echo; false when it gets no answer within a second.
bool Ping(const std::string& ip, std::string* error) {
  if (ip.rfind("127.", 0) == 0) return true;  // loopback always answers
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) {
    *error = "cannot send ICMP echo (needs CAP_NET_RAW or "
             "net.ipv4.ping_group_range); set ping: false";
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  icmphdr echo{};
  echo.type = ICMP_ECHO;
  echo.un.echo.id = htons(static_cast<uint16_t>(getpid()));
  echo.un.echo.sequence = htons(1);
  // The kernel fills the checksum of datagram ICMP sockets; raw ones need it.
  uint32_t sum = 0;
  const uint16_t* words = reinterpret_cast<const uint16_t*>(&echo);
  for (size_t i = 0; i < sizeof echo / 2; ++i) sum += words[i];
  echo.checksum = static_cast<uint16_t>(~((sum & 0xffff) + (sum >> 16)));
  bool ok = sendto(fd, &echo, sizeof echo, 0,
                   reinterpret_cast<sockaddr*>(&addr), sizeof addr) > 0;
  // An ICMP error (host unreachable) wakes poll with POLLERR, not POLLIN:
  // only a reply counts.
  pollfd p{fd, POLLIN, 0};
  ok = ok && poll(&p, 1, 1000) == 1 && (p.revents & POLLIN) &&
       !(p.revents & POLLERR);
  close(fd);
  return ok;
}

}  // namespace

HealthCheckSpec HealthCheckSpec::FromConfig(const json& section) {
  HealthCheckSpec spec;
  if (!section.is_object()) return spec;
  if (section.contains("ping") && section["ping"].is_boolean()) {
    spec.ping = section["ping"].get<bool>();
  }
  for (const json& p : section.value("ports", json::array())) {
    if (p.is_number_integer()) spec.ports.push_back(p.get<int>());
    if (p.is_string()) spec.port_templates.push_back(p.get<std::string>());
  }
  for (const json& u : section.value("urls", json::array())) {
    if (u.is_string()) spec.urls.push_back(u.get<std::string>());
  }
  // A MySQL database answers on its port; occam checks the port.
  if (section.contains("mysqldbs") && !section["mysqldbs"].empty()) {
    spec.ports.push_back(3306);
  }
  if (section.contains("timeout") && section["timeout"].is_number()) {
    spec.timeout_seconds = section["timeout"].get<double>();
  }
  return spec;
}

std::string NetworkHealthChecker::CheckOnce(const HealthCheckSpec& spec,
                                            const std::string& ip,
                                            const std::string& port) {
  std::string error;
  if (spec.ping && !Ping(ip, &error)) {
    return error.empty() ? "ping " + ip + " got no answer" : error;
  }
  for (int p : spec.ports) {
    if (!TcpOpen(ip, p)) return "port " + std::to_string(p) + " of " + ip + " is closed";
  }
  for (const std::string& raw : spec.port_templates) {
    std::string text = Replace(raw, "{{port}}", port);
    char* end = nullptr;
    long p = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || p < 1 || p > 65535) {
      return "health_check port '" + raw + "' is '" + text +
             "', not a port: the instance reports no port (give its resource a "
             "port_range)";
    }
    if (!TcpOpen(ip, static_cast<int>(p))) return "port " + text + " of " + ip + " is closed";
  }
  for (const std::string& raw : spec.urls) {
    std::string url = Replace(Replace(raw, "{{ip}}", ip), "{{port}}", port);
    std::string problem = UrlProblem(url);
    if (!problem.empty()) return problem;
  }
  return "";
}

Status NetworkHealthChecker::WaitReady(const HealthCheckSpec& spec,
                                       const json& outputs,
                                       const std::atomic<bool>* cancel,
                                       const std::function<Status()>& alive) {
  std::string ip = outputs.value("ip", "127.0.0.1");
  std::string port = outputs.contains("port") ? outputs["port"].dump() : "";
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(spec.timeout_seconds);
  for (;;) {
    std::string failing = CheckOnce(spec, ip, port);
    if (failing.empty()) return Status::Ok();
    Status living = alive ? alive() : Status::Ok();
    if (!living.ok()) {
      return Status::Unavailable("it stopped while its health was checked (" +
                                 failing + "): " + living.message());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("health check timed out after " +
                                 std::to_string(static_cast<int>(spec.timeout_seconds)) +
                                 " s: " + failing);
    }
    if (cancel && cancel->load()) {
      return Status::Unavailable("interrupted while waiting for health: " + failing);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace occam
