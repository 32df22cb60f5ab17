#include "base/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace occam {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/occam-atomic-XXXXXX";
    dir_ = mkdtemp(pattern);
    fs::create_directory(dir_ / "project");
    std::ofstream(dir_ / "outside.txt") << "precious";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplaces) {
  fs::path target = dir_ / "project" / "a.json";
  ASSERT_TRUE(WriteFileAtomically(target.string(), "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(target.string(), "two", 0600).ok());
  EXPECT_EQ("two", Read(target));
  EXPECT_EQ(fs::perms::owner_read | fs::perms::owner_write,
            fs::status(target).permissions());
  // Nothing is left beside it.
  EXPECT_EQ(1, std::distance(fs::directory_iterator(dir_ / "project"), {}));
}

// A symbolic link planted at the target or at the temporary name occam
// used to write (NODE.json.tmp) never redirects the write.
TEST_F(AtomicFileTest, PlantedLinksAreNeverFollowed) {
  fs::path target = dir_ / "project" / "web.json";
  fs::create_symlink(dir_ / "outside.txt", target.string() + ".tmp");
  ASSERT_TRUE(WriteFileAtomically(target.string(), "targets").ok());
  EXPECT_EQ("precious", Read(dir_ / "outside.txt"));
  EXPECT_EQ("targets", Read(target));
  fs::remove(target);
  fs::create_symlink(dir_ / "outside.txt", target);
  ASSERT_TRUE(WriteFileAtomically(target.string(), "again").ok());
  EXPECT_EQ("precious", Read(dir_ / "outside.txt"));
  EXPECT_FALSE(fs::is_symlink(target));
  EXPECT_EQ("again", Read(target));
}

TEST_F(AtomicFileTest, AFolderThatIsMissingIsAnError) {
  Status s = WriteFileAtomically((dir_ / "nope" / "a.json").string(), "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string::npos, s.message().find("cannot write")) << s.message();
}

}  // namespace
}  // namespace occam
