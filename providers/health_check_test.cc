#include "providers/health_check.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace occam {
namespace {

using nlohmann::json;

// A listening TCP socket on a free loopback port.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd, 8);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
};

TEST(HealthCheck, SpecFromOccopusConfig) {
  HealthCheckSpec spec = HealthCheckSpec::FromConfig(
      json{{"ping", false}, {"ports", {22, 80}}, {"urls", {"http://{{ip}}/"}},
           {"timeout", 30}});
  EXPECT_FALSE(spec.ping);
  EXPECT_EQ((std::vector<int>{22, 80}), spec.ports);
  EXPECT_EQ((std::vector<std::string>{"http://{{ip}}/"}), spec.urls);
  EXPECT_EQ(30, spec.timeout_seconds);
  // Occopus's mysqldbs: occam checks the database's port.
  HealthCheckSpec mysql = HealthCheckSpec::FromConfig(
      json{{"mysqldbs", {{{"name", "shop"}, {"user", "u"}, {"pass", "p"}}}}});
  EXPECT_EQ(std::vector<int>{3306}, mysql.ports);
  HealthCheckSpec defaults = HealthCheckSpec::FromConfig(nullptr);
  EXPECT_TRUE(defaults.ping);
  EXPECT_EQ(600, defaults.timeout_seconds);
}

TEST(HealthCheck, OpenPortPassesClosedPortTimesOut) {
  NetworkHealthChecker checker;
  Listener open;
  HealthCheckSpec spec;
  spec.ports = {open.port};
  spec.timeout_seconds = 2;
  EXPECT_TRUE(checker.WaitReady(spec, json{{"ip", "127.0.0.1"}}, nullptr).ok());
  int closed_port = 0;
  {
    Listener gone;
    closed_port = gone.port;
  }
  spec.ports = {closed_port};
  spec.timeout_seconds = 0.3;
  Status s = checker.WaitReady(spec, json{{"ip", "127.0.0.1"}}, nullptr);
  EXPECT_EQ("health check timed out after 0 s: port " +
                std::to_string(closed_port) + " of 127.0.0.1 is closed",
            s.message());
}

TEST(HealthCheck, UnansweredUrlFails) {
  HealthCheckSpec spec;
  spec.ping = false;
  int closed_port;
  {
    Listener gone;
    closed_port = gone.port;
  }
  spec.urls = {"http://{{ip}}:{{port}}/health"};
  std::string url = "http://127.0.0.1:" + std::to_string(closed_port) + "/health";
  std::string problem =
      NetworkHealthChecker::CheckOnce(spec, "127.0.0.1", std::to_string(closed_port));
  EXPECT_EQ(0u, problem.rfind(url + " does not answer (", 0)) << problem;
  EXPECT_NE(std::string::npos, problem.find("onnect")) << problem;  // curl's reason
}

// An HTTP server that answers every request with `status` once.
void AnswerOnce(const Listener& l, int status) {
  int client = accept(l.fd, nullptr, nullptr);
  char buffer[4096];
  ssize_t got = read(client, buffer, sizeof buffer);
  (void)got;
  std::string reply = "HTTP/1.1 " + std::to_string(status) +
                      " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  ssize_t sent = write(client, reply.data(), reply.size());
  (void)sent;
  close(client);
}

TEST(HealthCheck, AnErrorStatusIsReportedAsTheStatusItIs) {
  Listener server;
  HealthCheckSpec spec;
  spec.ping = false;
  spec.urls = {"http://{{ip}}:{{port}}/health"};
  std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/health";
  for (int status : {500, 503, 404}) {
    std::thread answer(AnswerOnce, std::cref(server), status);
    std::string problem = NetworkHealthChecker::CheckOnce(
        spec, "127.0.0.1", std::to_string(server.port));
    answer.join();
    EXPECT_EQ(url + " answered HTTP " + std::to_string(status), problem);
  }
  std::thread ok(AnswerOnce, std::cref(server), 204);
  EXPECT_EQ("", NetworkHealthChecker::CheckOnce(spec, "127.0.0.1",
                                                std::to_string(server.port)));
  ok.join();
}

TEST(HealthCheck, LoopbackAnswersPing) {
  HealthCheckSpec spec;
  EXPECT_EQ("", NetworkHealthChecker::CheckOnce(spec, "127.0.0.1", ""));
}

}  // namespace
}  // namespace occam
