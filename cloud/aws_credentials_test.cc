#include "cloud/aws_credentials.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/temp_dir.h"

namespace occam {
namespace {

const ResourceFields kResource = {{"type", "ec2"},
                                  {"endpoint", "https://ec2.eu-west-1.amazonaws.com"},
                                  {"regionname", "eu-west-1"}};

std::string Write(const testing::TempDir& dir, const std::string& name,
                  const std::string& text) {
  std::string path = dir.path().string() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(AwsCredentials, AuthDataEntryMatchingTheResourceWins) {
  testing::TempDir dir;
  CredentialSources s;
  s.auth_data_files = {dir.path().string() + "/missing.yaml",
                       Write(dir, "auth_data.yaml",
                             "resource:\n"
                             "  - type: nova\n    auth_data: {username: u, password: p}\n"
                             "  - type: ec2\n    endpoint: https://other\n"
                             "    auth_data: {accesskey: WRONG, secretkey: WRONG}\n"
                             "  - type: ec2\n    endpoint: https://ec2.eu-west-1.amazonaws.com\n"
                             "    auth_data:\n      accesskey: AK\n      secretkey: SK\n")};
  s.env = {{"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"}};
  AwsCredentials c;
  ASSERT_TRUE(FindAwsCredentials(s, kResource, &c).ok());
  EXPECT_EQ(c.access_key, "AK");
  EXPECT_EQ(c.secret_key, "SK");
  EXPECT_EQ(c.source, dir.path().string() + "/auth_data.yaml:7");
}

TEST(AwsCredentials, TwoMatchingEntriesAreRefusedWithoutTheirSecrets) {
  testing::TempDir dir;
  CredentialSources s;
  s.auth_data_files = {Write(dir, "a.yaml",
                             "resource:\n"
                             "  - type: ec2\n    auth_data: {accesskey: A1, secretkey: first-secret-key}\n"
                             "  - type: ec2\n    auth_data: {accesskey: A2, secretkey: second-secret-key}\n")};
  AwsCredentials c;
  Status st = FindAwsCredentials(s, kResource, &c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("a.yaml:4: a second entry matches"), std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find("secret-key"), std::string::npos);
}

TEST(AwsCredentials, EnvironmentThenSharedFileProfile) {
  testing::TempDir dir;
  CredentialSources s;
  s.aws_credentials_file = Write(dir, "credentials",
                                 "[default]\naws_access_key_id = D\n"
                                 "aws_secret_access_key = DS\n\n"
                                 "# a comment\n[team]\naws_access_key_id=T\n"
                                 "aws_secret_access_key=TS\naws_session_token = TT\n");
  s.env = {{"AWS_ACCESS_KEY_ID", "E"}, {"AWS_SECRET_ACCESS_KEY", "ES"},
           {"AWS_SESSION_TOKEN", "ET"}};
  AwsCredentials c;
  ASSERT_TRUE(FindAwsCredentials(s, kResource, &c).ok());
  EXPECT_EQ(c.access_key + c.secret_key + c.session_token, "EESET");
  s.env = {{"AWS_PROFILE", "team"}};
  ASSERT_TRUE(FindAwsCredentials(s, kResource, &c).ok());
  EXPECT_EQ(c.access_key + c.secret_key + c.session_token, "TTSTT");
  EXPECT_EQ(c.source, s.aws_credentials_file + ":6 [team]");
  s.env = {};
  ASSERT_TRUE(FindAwsCredentials(s, kResource, &c).ok());
  EXPECT_EQ(c.access_key, "D");
}

TEST(AwsCredentials, NoneFoundSaysWhereItLookedAndWhatToDo) {
  testing::TempDir dir;
  CredentialSources s;
  s.auth_data_files = {Write(dir, "auth_data.yaml",
                             "resource:\n  - type: nova\n    auth_data: {}\n")};
  s.aws_credentials_file = dir.path().string() + "/none";
  AwsCredentials c;
  Status st = FindAwsCredentials(s, kResource, &c);
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_NE(st.message().find("has no entry matching type 'ec2'"), std::string::npos);
  EXPECT_NE(st.message().find("AWS_ACCESS_KEY_ID is not set"), std::string::npos);
  EXPECT_NE(st.message().find("Set AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST(AwsCredentials, HalfSetEnvironmentAndBrokenFilesAreErrors) {
  testing::TempDir dir;
  CredentialSources s;
  s.env = {{"AWS_ACCESS_KEY_ID", "E"}};
  AwsCredentials c;
  EXPECT_FALSE(FindAwsCredentials(s, kResource, &c).ok());
  s.env = {};
  s.auth_data_files = {Write(dir, "bad.yaml", "resource: [\n")};
  Status st = FindAwsCredentials(s, kResource, &c);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("bad.yaml:"), std::string::npos);
  s.auth_data_files = {Write(dir, "nokeys.yaml",
                             "resource:\n  - type: ec2\n    auth_data: {accesskey: A}\n")};
  st = FindAwsCredentials(s, kResource, &c);
  EXPECT_NE(st.message().find("nokeys.yaml:2: the entry needs"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace occam
