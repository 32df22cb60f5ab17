#include "providers/run_program.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

TEST(RunProgram, PassesInputAndCollectsOutput) {
  ProgramResult r;
  ASSERT_TRUE(RunProgram({"sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3"},
                         "hello\n", 10, &r)
                  .ok());
  EXPECT_EQ("HELLO\n", r.out);
  EXPECT_EQ("oops\n", r.err);
  EXPECT_EQ(3, r.exit_code);
}

TEST(RunProgram, LargeInputAndOutputDoNotDeadlock) {
  std::string big(1 << 20, 'x');
  ProgramResult r;
  ASSERT_TRUE(RunProgram({"cat"}, big, 10, &r).ok());
  EXPECT_EQ(big, r.out);
}

TEST(RunProgram, TimeoutKillsTheProgram) {
  ProgramResult r;
  Status s = RunProgram({"sh", "-c", "sleep 30"}, "", 0.3, &r);
  EXPECT_EQ("sh did not answer within 0 s; it was killed", s.message());
}

TEST(RunProgram, MissingProgram) {
  ProgramResult r;
  Status s = RunProgram({"/nonexistent/program"}, "", 1, &r);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace occam
