// Test support for the tests that need a real Docker Engine: whether one
// answers on the default socket with the test image, and what it runs.
// scripts/docker-up starts the engine, makes it a single-node swarm and
// imports the image; scripts/test runs it. With CI=true a missing engine
// fails the test; elsewhere the test is skipped with the reason.
#pragma once

#include "tests/ci.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "providers/docker_client.h"

namespace occam::testing {

// Imported by scripts/docker-up from a busybox-static root filesystem: a
// shell, sleep, httpd and /www/index.html ("hello").
inline constexpr char kTestImage[] = "occam-test/busybox";
inline constexpr char kTestImageTag[] = "1";

inline DockerClient LocalDocker() {
  DockerEndpoint e;
  ParseDockerEndpoint("", "/var/run/docker.sock", &e);
  return DockerClient(e);
}

// "" when the engine, its swarm and the test image are ready; else why not.
inline std::string DockerUnavailable(bool need_swarm) {
  DockerClient docker = LocalDocker();
  nlohmann::json info;
  Status s = docker.Call("GET", "/info", nlohmann::json(), &info);
  if (!s.ok()) return s.message();
  if (need_swarm && info.value("Swarm", nlohmann::json::object())
                            .value("LocalNodeState", "") != "active") {
    return "the Docker Engine is not a swarm manager (docker swarm init "
           "--advertise-addr 127.0.0.1)";
  }
  s = docker.Call("GET",
                  std::string("/images/") + kTestImage + ":" + kTestImageTag +
                      "/json",
                  nlohmann::json(), nullptr);
  if (!s.ok()) return "no test image (run scripts/docker-up): " + s.message();
  return "";
}

// Containers (all states) labelled with every "KEY=VALUE" of `labels`.
inline nlohmann::json ContainersLabelled(
    const std::vector<std::string>& labels) {
  nlohmann::json list;
  Status s = LocalDocker().Call(
      "GET",
      "/containers/json?all=1&filters=" +
          UrlEncode(nlohmann::json{{"label", labels}}.dump()),
      nlohmann::json(), &list);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return s.ok() ? list : nlohmann::json::array();
}

}  // namespace occam::testing

// Skips the test (fails it with CI=true) when no usable engine answers.
#define OCCAM_REQUIRE_DOCKER(need_swarm)                                   \
  do {                                                                     \
    std::string why_ = ::occam::testing::DockerUnavailable(need_swarm);    \
    if (!why_.empty()) {                                                   \
      if (::occam::testing::InCi()) FAIL() << "CI needs Docker: " << why_; \
      GTEST_SKIP() << "no Docker Engine to test against: " << why_;        \
    }                                                                      \
  } while (0)
