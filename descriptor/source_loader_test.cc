#include "descriptor/source_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/temp_dir.h"

namespace occam {
namespace {

using testing::TempDir;

class SourceLoaderTest : public ::testing::Test {
 protected:
  // Loads `file` from the temp dir; returns the diagnostics, relative.
  std::string Load(const std::string& file, bool allow_outside = false,
                   SourceLimits limits = {}) {
    SourceLoader loader({dir_.path() / "project"}, allow_outside, limits);
    Diagnostics diags;
    ok_ = loader.Load(dir_.path() / file, &value_, &diags);
    return dir_.Relative(diags.ToString());
  }

  TempDir dir_;
  Value value_;
  bool ok_ = false;
};

TEST_F(SourceLoaderTest, YamlImportIsRelativeToTheImportingFile) {
  dir_.Write("project/nodes/defs.yaml",
             "ctx: !yaml_import\n  url: file://ctx/cloud_init.yaml\n");
  dir_.Write("project/nodes/ctx/cloud_init.yaml", "runcmd: [echo hi]\n");
  EXPECT_EQ("", Load("project/nodes/defs.yaml"));
  EXPECT_TRUE(ok_);
  EXPECT_EQ("echo hi",
            value_.Find("ctx")->Find("runcmd")->items()[0].text());
}

TEST_F(SourceLoaderTest, TextImportGivesTheFileText) {
  dir_.Write("project/a.yaml", "script: !text_import {url: 'file://s.sh'}\n");
  dir_.Write("project/s.sh", "#!/bin/sh\necho 1: 2\n");
  EXPECT_EQ("", Load("project/a.yaml"));
  EXPECT_EQ("#!/bin/sh\necho 1: 2\n", value_.Find("script")->text());
  EXPECT_TRUE(value_.Find("script")->quoted());
}

TEST_F(SourceLoaderTest, TextThatIsNotUtf8IsAnErrorAtItsByte) {
  dir_.Write("project/a.yaml", "a: 1\nb: \"x\xFFy\"\n");
  EXPECT_EQ("project/a.yaml:2:6: error: 'project/a.yaml' is not UTF-8 text "
            "(byte 0xFF); save it as UTF-8\n",
            Load("project/a.yaml"));
  EXPECT_FALSE(ok_);
  dir_.Write("project/b.yaml", "script: !text_import {url: 'file://s.sh'}\n");
  dir_.Write("project/s.sh", "echo \xC3(\n");
  EXPECT_EQ("project/s.sh:1:6: error: 'project/s.sh' is not UTF-8 text "
            "(byte 0xC3); save it as UTF-8\n",
            Load("project/b.yaml"));
}

TEST_F(SourceLoaderTest, ControlCharactersYamlRefusesAreErrors) {
  // A NUL in a plain scalar used to change the character after it.
  dir_.Write("project/a.yaml", std::string("a: enc\0evil\n", 12));
  EXPECT_EQ("project/a.yaml:1:7: error: 'project/a.yaml' holds the control "
            "character U+0000, which YAML does not allow; remove it (write it "
            "as an escape in a double-quoted string)\n",
            Load("project/a.yaml"));
  dir_.Write("project/b.yaml", "a: \"x\xC2\x9B\"\n");
  EXPECT_NE(std::string::npos, Load("project/b.yaml").find("U+009B"));
  // Tab, CR, NEL and ordinary text are fine; in a text import anything is.
  dir_.Write("project/c.yaml", "a: \"t\tx\xC2\x85\xC3\xBF\"\r\n"
                               "s: !text_import {url: 'file://s.txt'}\n");
  dir_.Write("project/s.txt", std::string("nul\0\x1B[31m\n", 10));
  EXPECT_EQ("", Load("project/c.yaml"));
  EXPECT_EQ(std::string("nul\0\x1B[31m\n", 10),
            value_.Find("s")->text());
}

TEST_F(SourceLoaderTest, ByteEscapesMeanLatin1Characters) {
  // YAML's "\xFF" is U+00FF, as PyYAML reads it; yaml-cpp gives the byte.
  dir_.Write("project/a.yaml", "a: \"\\xFF\\x41\\u00e9\"\n");
  EXPECT_EQ("", Load("project/a.yaml"));
  EXPECT_EQ("\xC3\xBF" "A" "\xC3\xA9", value_.Find("a")->text());
}

TEST_F(SourceLoaderTest, ASymlinkLoopIsCalledOne) {
  dir_.Write("project/a.yaml", "x: !text_import {url: 'file://loop1'}\n");
  std::filesystem::create_symlink("loop2", dir_.path() / "project/loop1");
  std::filesystem::create_symlink("loop1", dir_.path() / "project/loop2");
  EXPECT_EQ("project/a.yaml:1:23: error: import 'project/loop1' is a loop "
            "of symbolic links; point it at a file\n",
            Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, NestedImportsResolve) {
  dir_.Write("project/a.yaml", "x: !yaml_import {url: 'file://b.yaml'}\n");
  dir_.Write("project/b.yaml", "y: !text_import {url: 'file://c.txt'}\n");
  dir_.Write("project/c.txt", "deep");
  EXPECT_EQ("", Load("project/a.yaml"));
  EXPECT_EQ("deep", value_.Find("x")->Find("y")->text());
}

TEST_F(SourceLoaderTest, ImportOutsideTheProjectIsRefused) {
  dir_.Write("secret.yaml", "k: v\n");
  dir_.Write("project/a.yaml",
             "x: !yaml_import {url: 'file://../secret.yaml'}\n");
  EXPECT_EQ(
      "project/a.yaml:1:23: error: import 'secret.yaml' is outside the "
      "descriptor's folder; move it inside, or pass --allow-outside-imports\n",
      Load("project/a.yaml"));
  EXPECT_FALSE(ok_);
  EXPECT_EQ("", Load("project/a.yaml", /*allow_outside=*/true));
  EXPECT_EQ("v", value_.Find("x")->Find("k")->text());
}

TEST_F(SourceLoaderTest, SymlinkOutOfTheProjectIsRefused) {
  dir_.Write("outside.txt", "x");
  dir_.Write("project/a.yaml", "x: !text_import {url: 'file://link.txt'}\n");
  std::filesystem::create_symlink(dir_.path() / "outside.txt",
                                  dir_.path() / "project/link.txt");
  EXPECT_NE("", Load("project/a.yaml"));
  EXPECT_FALSE(ok_);
}

TEST_F(SourceLoaderTest, ImportCycleIsAnError) {
  dir_.Write("project/a.yaml", "x: !yaml_import {url: 'file://b.yaml'}\n");
  dir_.Write("project/b.yaml", "y: !yaml_import {url: 'file://a.yaml'}\n");
  EXPECT_EQ(
      "project/b.yaml:1:23: error: import cycle: project/a.yaml -> "
      "project/b.yaml -> project/a.yaml; remove one of these imports\n",
      Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, ImportOfADirectoryIsAnError) {
  dir_.Write("project/sub/x", "");
  dir_.Write("project/a.yaml", "x: !yaml_import {url: 'file://sub'}\n");
  EXPECT_EQ("project/a.yaml:1:23: error: 'project/sub' is a directory; name "
            "a file\n",
            Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, ImportOfADeviceIsAnError) {
  dir_.Write("project/a.yaml", "x: !text_import {url: 'file:///dev/zero'}\n");
  EXPECT_EQ("project/a.yaml:1:23: error: '/dev/zero' is not a regular file; "
            "name a file\n",
            Load("project/a.yaml", /*allow_outside=*/true));
}

TEST_F(SourceLoaderTest, MissingImportNamesTheFile) {
  dir_.Write("project/a.yaml", "x: !yaml_import {url: 'file://nope.yaml'}\n");
  EXPECT_EQ("project/a.yaml:1:23: error: cannot read 'project/nope.yaml': "
            "No such file or directory\n",
            Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, OnlyFileUrls) {
  dir_.Write("project/a.yaml",
             "x: !yaml_import {url: 'https://example.com/a.yaml'}\n");
  EXPECT_EQ(
      "project/a.yaml:1:23: error: only file:// URLs can be imported; save "
      "the file beside the descriptor and write url: file://NAME\n",
      Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, UnknownTagAndBadImportShape) {
  dir_.Write("project/a.yaml",
             "x: !include {url: 'file://b'}\ny: !yaml_import [a]\n");
  EXPECT_EQ(
      "project/a.yaml:1:4: error: unknown tag '!include'; occam understands "
      "!yaml_import and !text_import\n"
      "project/a.yaml:2:4: error: !yaml_import needs a mapping with one key, "
      "url: file://PATH\n",
      Load("project/a.yaml"));
}

TEST_F(SourceLoaderTest, OversizedFileIsRefused) {
  dir_.Write("project/a.yaml", "x: !text_import {url: 'file://big.txt'}\n");
  dir_.Write("project/big.txt", std::string(3 << 20, 'x'));
  SourceLimits limits;
  limits.max_file_bytes = 2 << 20;
  EXPECT_EQ("project/a.yaml:1:23: error: 'project/big.txt' is larger than 2 "
            "MiB, the most occam reads\n",
            Load("project/a.yaml", false, limits));
}

TEST_F(SourceLoaderTest, RepeatedImportThroughAliasesIsBounded) {
  // Each alias copies an import of a large file: the total is limited.
  std::string big = "[";
  for (int i = 0; i < 1000; ++i) big += "x,";
  dir_.Write("project/big.yaml", big + "x]\n");
  std::string doc = "a: &a !yaml_import {url: 'file://big.yaml'}\nb: [";
  for (int i = 0; i < 100; ++i) doc += "*a,";
  dir_.Write("project/a.yaml", doc + "*a]\n");
  SourceLimits limits;
  limits.max_nodes = 50000;
  std::string errors = Load("project/a.yaml", false, limits);
  EXPECT_FALSE(ok_);
  EXPECT_NE(std::string::npos,
            errors.find("imports expand the document to more than 50000 "
                        "nodes; occam refuses it"))
      << errors;
}

TEST_F(SourceLoaderTest, MissingTopLevelFile) {
  EXPECT_EQ("project/none.yaml: error: cannot read 'project/none.yaml': "
            "No such file or directory\n",
            Load("project/none.yaml"));
}

}  // namespace
}  // namespace occam
