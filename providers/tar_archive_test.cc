#include "providers/tar_archive.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/temp_dir.h"

namespace occam {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// GNU tar reads what the writer wrote, byte for byte, with each mode.
TEST(TarArchive, GnuTarExtractsEveryFile) {
  testing::TempDir dir;
  std::string long_path;
  for (int i = 0; i < 12; ++i) long_path += "directory-" + std::to_string(i) + "/";
  long_path += "file.txt";  // 140 bytes: needs the prefix field
  std::string block_sized(512, 'b'), binary("a\0b\xff\n", 5);
  TarArchive tar;
  ASSERT_TRUE(tar.AddFile("etc/haproxy/haproxy.cfg", "global\n").ok());
  ASSERT_TRUE(tar.AddFile("empty", "", 0600).ok());
  ASSERT_TRUE(tar.AddFile("block", block_sized).ok());
  ASSERT_TRUE(tar.AddFile("bin/data", binary, 0755).ok());
  ASSERT_TRUE(tar.AddFile(long_path, "deep").ok());
  {
    std::ofstream out(dir.Path("a.tar"), std::ios::binary);
    out << tar.Finish();
  }
  std::string cmd = "mkdir " + dir.Path("x") + " && tar -C " + dir.Path("x") +
                    " -xf " + dir.Path("a.tar") + " 2>" + dir.Path("err");
  ASSERT_EQ(0, std::system(cmd.c_str())) << Slurp(dir.Path("err"));
  EXPECT_EQ("global\n", Slurp(dir.Path("x/etc/haproxy/haproxy.cfg")));
  EXPECT_EQ("", Slurp(dir.Path("x/empty")));
  EXPECT_EQ(block_sized, Slurp(dir.Path("x/block")));
  EXPECT_EQ(binary, Slurp(dir.Path("x/bin/data")));
  EXPECT_EQ("deep", Slurp(dir.Path("x/" + long_path)));
  cmd = "test \"$(stat -c %a " + dir.Path("x/bin/data") + ")\" = 755 && "
        "test \"$(stat -c %a " + dir.Path("x/empty") + ")\" = 600";
  EXPECT_EQ(0, std::system(cmd.c_str()));
  EXPECT_EQ(0u, tar.Finish().size() % 512);
}

TEST(TarArchive, RefusesPathsThatClimbOrCannotBeStored) {
  TarArchive tar;
  std::vector<std::string> bad_paths = {
      "", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b",
      std::string(101, 'n'), std::string("a\0b", 3)};
  for (const std::string& bad : bad_paths) {
    EXPECT_FALSE(tar.AddFile(bad, "x").ok()) << bad;
  }
  EXPECT_EQ(1024u, tar.Finish().size());
}

}  // namespace
}  // namespace occam
