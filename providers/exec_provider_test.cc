// What the exec provider does with answers a broken or hostile program
// gives: a clear error each, never an exception, never unbounded memory.
#include "providers/exec_provider.h"

#include <gtest/gtest.h>

#include "base/utf8.h"

namespace occam {
namespace {

using nlohmann::json;

// Creates with a program that ignores its request and runs `script`.
Status CreateAnswering(const std::string& script, ResourceObject* out) {
  ExecProvider provider(30);
  ResourceRequest request;
  request.address = "app[0]";
  request.config = {{"resource", {{"program", {"sh", "-c", script}}}}};
  return provider.Create(request, out);
}

TEST(ExecProvider, AnswerThatIsNotUtf8IsAnErrorInUtf8) {
  ResourceObject object;
  Status s = CreateAnswering("cat >/dev/null; printf '{\"id\":\"\\377\\376\"}'",
                             &object);
  EXPECT_EQ(Status::Code::kUnavailable, s.code());
  EXPECT_EQ("exec provider sh -c ... did not answer with a JSON object in "
            "UTF-8: {\"id\":\"\xC3\xBF\xC3\xBE\"}",
            s.message().substr(0, 14) + "sh -c ..." +
                s.message().substr(s.message().find(" did not")));
  EXPECT_EQ(std::string::npos, InvalidUtf8Offset(s.message()));
}

TEST(ExecProvider, AnswerPastTheLimitKillsTheProgram) {
  ResourceObject object;
  Status s = CreateAnswering("cat >/dev/null; yes", &object);
  EXPECT_EQ(Status::Code::kUnavailable, s.code());
  EXPECT_EQ("sh wrote more than 4096 KiB; it was killed", s.message());
}

TEST(ExecProvider, AProgramPastItsTimeLimitIsKilled) {
  ExecProvider provider(1);
  ResourceRequest request;
  request.address = "app[0]";
  request.config = {{"resource", {{"program", {"sh", "-c", "exec sleep 30"}}}}};
  ResourceObject object;
  Status s = provider.Create(request, &object);
  EXPECT_EQ("sh did not answer within 1 s; it was killed", s.message());
}

TEST(ExecProvider, FieldsOfTheWrongTypeAreAnError) {
  for (const char* answer :
       {R"({"id": 5})", R"({"id": "x", "outputs": [1]})",
        R"({"id": "x", "tags": "t"})", R"({"id": "x", "exists": "yes"})"}) {
    ResourceObject object;
    Status s = CreateAnswering(
        std::string("cat >/dev/null; printf '%s' '") + answer + "'", &object);
    EXPECT_EQ(Status::Code::kUnavailable, s.code()) << answer;
    EXPECT_NE(std::string::npos,
              s.message().find("answered fields of the wrong type"))
        << s.message();
  }
}

TEST(ExecProvider, ErrorAnswerAndMissingIdAreErrors) {
  ResourceObject object;
  Status s = CreateAnswering(
      R"(cat >/dev/null; printf '{"error": "quota exceeded"}')", &object);
  EXPECT_NE(std::string::npos, s.message().find(": \"quota exceeded\""))
      << s.message();
  s = CreateAnswering(R"(cat >/dev/null; printf '{}')", &object);
  EXPECT_EQ("exec provider answered create without an id", s.message());
  s = CreateAnswering(R"(cat >/dev/null; printf '{"id": "a-1"}')", &object);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ExecProvider, ProgressShowsTheProgramsIdNotTheProgram) {
  ResourceObject object;
  ASSERT_TRUE(CreateAnswering(R"(cat >/dev/null; printf '{"id": "a-1"}')",
                              &object)
                  .ok());
  EXPECT_NE("a-1", object.id);  // occam keeps the program in the id
  EXPECT_EQ("a-1", ExecProvider().DisplayId(object.id));
}

}  // namespace
}  // namespace occam
