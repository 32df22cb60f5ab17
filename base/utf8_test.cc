#include "base/utf8.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8, WellFormedTextIsValid) {
  EXPECT_EQ(kValid, InvalidUtf8Offset(""));
  EXPECT_EQ(kValid, InvalidUtf8Offset("plain ascii"));
  EXPECT_EQ(kValid, InvalidUtf8Offset("\xC3\xBF \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_EQ(kValid, InvalidUtf8Offset("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, OffsetOfTheFirstBadByte) {
  EXPECT_EQ(0u, InvalidUtf8Offset("\xFF"));
  EXPECT_EQ(3u, InvalidUtf8Offset("abc\x80"));                // lone continuation
  EXPECT_EQ(1u, InvalidUtf8Offset("a\xC3"));                  // cut short
  EXPECT_EQ(0u, InvalidUtf8Offset("\xC0\xAF"));               // overlong
  EXPECT_EQ(0u, InvalidUtf8Offset("\xE0\x80\xAF"));           // overlong
  EXPECT_EQ(0u, InvalidUtf8Offset("\xED\xA0\x80"));           // surrogate
  EXPECT_EQ(0u, InvalidUtf8Offset("\xF4\x90\x80\x80"));       // > U+10FFFF
  EXPECT_EQ(2u, InvalidUtf8Offset("\xC3\xBF\xE2\x82"));       // cut short
}

TEST(Utf8, InvalidBytesAreReadAsLatin1) {
  EXPECT_EQ("\xC3\xBF", Latin1WhereInvalidUtf8("\xFF"));
  EXPECT_EQ("a\xC2\x80 \xC3\xBF\xE2\x82\xAC",
            Latin1WhereInvalidUtf8("a\x80 \xC3\xBF\xE2\x82\xAC"));
  EXPECT_EQ("plain", Latin1WhereInvalidUtf8("plain"));
  EXPECT_EQ(kValid, InvalidUtf8Offset(Latin1WhereInvalidUtf8("\xED\xA0\x80")));
}

TEST(Utf8, PrintableEscapesWhatATerminalWouldObey) {
  EXPECT_EQ("plain \xC3\xBF\nnext\tcol", Printable("plain \xC3\xBF\nnext\tcol"));
  EXPECT_EQ("\\x1b[31mred\\x1b]0;title\\x07", Printable("\x1B[31mred\x1B]0;title\x07"));
  EXPECT_EQ("\\x7f\\x9b\\xff\\x0d", Printable("\x7F\xC2\x9B\xFF\r"));
}

TEST(Utf8, PrintableShortensLongTexts) {
  EXPECT_EQ("abc\xE2\x80\xA6 (10 bytes)", Printable("abcdefghij", 3));
  EXPECT_EQ("abc", Printable("abc", 3));
  // Never cuts a character in two.
  EXPECT_EQ("a\xC3\xBF\xE2\x80\xA6 (5 bytes)", Printable("a\xC3\xBF\xC3\xBF", 2));
}

// What a message quotes of a value: one line, short, even when the value
// is a whole imported file.
TEST(Utf8, ExcerptIsOneShortLine) {
  EXPECT_EQ("a\\nb\\tc", Excerpt("a\nb\tc"));
  std::string file = "line one\nline two password=x\n" + std::string(10 << 20, 'y');
  std::string shown = Excerpt(file);
  EXPECT_EQ(std::string::npos, shown.find('\n'));
  EXPECT_LT(shown.size(), 100u);
  EXPECT_EQ(0u, shown.find("line one\\nline two"));
  EXPECT_NE(std::string::npos, shown.find("(10485789 bytes)")) << shown;
}

}  // namespace
}  // namespace occam
