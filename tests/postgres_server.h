// The PostgreSQL server tests keep states in: scripts/test starts one
// (scripts/postgres-up) and names it in OCCAM_TEST_POSTGRES. Each test
// takes a schema of its own, so that tests running at once never share a
// state. Without the variable a test skips (fails with CI=true).
#pragma once

#include <cstdlib>
#include <string>

#include "base/uuid.h"
#include "tests/ci.h"

namespace occam::testing {

// The server's URI, "" when there is none.
inline std::string PostgresServer() {
  const char* url = std::getenv("OCCAM_TEST_POSTGRES");
  return url ? url : "";
}

// A state location of a new schema on the test server.
inline std::string NewPostgresState() {
  std::string id = NewUuid();
  std::string schema = "t_";
  for (char c : id) {
    if (c != '-') schema += c;
  }
  std::string url = PostgresServer();
  return url + (url.find('?') == std::string::npos ? "?" : "&") +
         "schema=" + schema;
}

}  // namespace occam::testing

// Skips the test (fails it with CI=true) when no test server is named.
#define OCCAM_REQUIRE_POSTGRES()                                              \
  do {                                                                        \
    if (::occam::testing::PostgresServer().empty()) {                         \
      if (::occam::testing::InCi()) {                                         \
        FAIL() << "CI needs PostgreSQL: OCCAM_TEST_POSTGRES is not set "      \
                  "(scripts/test starts one with scripts/postgres-up)";       \
      }                                                                       \
      GTEST_SKIP() << "no PostgreSQL to test against: set "                   \
                      "OCCAM_TEST_POSTGRES (eval \"$(scripts/postgres-up)\")"; \
    }                                                                         \
  } while (0)
