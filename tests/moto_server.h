// moto_server, the EC2 API emulator (moto 5, `pip install 'moto[server]'`),
// started by a test on a free loopback port and stopped with it. The tests
// read what it holds through cloud/ec2_client.h, never through the
// provider under test.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cloud/ec2_client.h"
#include "tests/background_process.h"

namespace occam::testing {

// Where moto_server is: $OCCAM_MOTO_SERVER, then PATH, then pyenv's shims;
// "" when it is not installed.
inline std::string FindMotoServer() {
  if (const char* p = std::getenv("OCCAM_MOTO_SERVER")) {
    if (*p) return p;
  }
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    for (size_t start = 0, end; start <= all.size(); start = end + 1) {
      end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      dirs.push_back(all.substr(start, end - start));
    }
  }
  if (const char* home = std::getenv("HOME")) {
    dirs.push_back(std::string(home) + "/.pyenv/shims");
    dirs.push_back(std::string(home) + "/.local/bin");
  }
  for (const std::string& d : dirs) {
    std::string candidate = d + "/moto_server";
    if (!d.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

class MotoServer {
 public:
  // Starts moto_server with `env` (MOTO_ENABLE_AMI_VALIDATION=true …) and
  // waits up to 60 s for its EC2 API to answer. False and `*why` when it
  // cannot.
  bool Start(const std::string& dir, std::string* why,
             const std::map<std::string, std::string>& env = {}) {
    std::string binary = FindMotoServer();
    if (binary.empty()) {
      *why = "moto_server is not installed (pip install 'moto[server]', or "
             "set OCCAM_MOTO_SERVER)";
      return false;
    }
    port_ = FreeLoopbackPort();
    std::vector<std::string> argv{"env"};
    for (const auto& [k, v] : env) argv.push_back(k + "=" + v);
    argv.insert(argv.end(), {binary, "-H", "127.0.0.1", "-p", std::to_string(port_)});
    log_ = dir + "/moto_server.log";
    if (!process_.Start(argv, dir, log_)) {
      *why = "cannot start " + binary;
      return false;
    }
    for (int i = 0; i < 600; ++i) {
      // Any answer of the EC2 API will do (with authentication on, a
      // refusal).
      std::vector<Ec2Instance> out;
      Ec2Error error;
      if (Client().DescribeInstances({}, &out, &error).ok() || !error.code.empty()) {
        return true;
      }
      if (!process_.Running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *why = "moto_server did not answer on port " + std::to_string(port_) +
           " (see " + log_ + ")";
    return false;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A client of its EC2 API, for the tests' own checks.
  Ec2Client Client(const std::string& region = "us-east-1") const {
    Ec2RetryPolicy retry;
    retry.attempts = 1;
    retry.timeout_s = 30;
    return Ec2Client(url(), region, {"test", "test", "", "test"}, retry);
  }

  // Instances in `states` carrying tag `key` (any value when `value` is
  // empty).
  std::vector<Ec2Instance> Instances(const std::string& key, const std::string& value,
                                     std::vector<std::string> states = {"pending", "running"},
                                     const std::string& region = "us-east-1") const {
    std::vector<std::pair<std::string, std::vector<std::string>>> filters{
        {"instance-state-name", states}};
    if (value.empty()) {
      filters.push_back({"tag-key", {key}});
    } else {
      filters.push_back({"tag:" + key, {value}});
    }
    std::vector<Ec2Instance> out;
    Client(region).DescribeInstances(filters, &out);
    return out;
  }

  BackgroundProcess& process() { return process_; }

 private:
  BackgroundProcess process_;
  int port_ = 0;
  std::string log_;
};

}  // namespace occam::testing
