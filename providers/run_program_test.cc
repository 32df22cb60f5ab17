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

TEST(RunProgram, OutputPastTheLimitKillsTheProgram) {
  ProgramResult r;
  // `yes` never ends by itself: only the limit stops it.
  Status s = RunProgram({"yes"}, "", 30, &r, 1 << 20);
  EXPECT_EQ("yes wrote more than 1024 KiB; it was killed", s.message());
  EXPECT_TRUE(r.out.empty());
  ASSERT_TRUE(RunProgram({"head", "-c", "1048576", "/dev/zero"}, "", 10, &r,
                         1 << 20)
                  .ok());
  EXPECT_EQ(size_t{1} << 20, r.out.size());
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
