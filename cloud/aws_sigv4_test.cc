#include "cloud/aws_sigv4.h"

#include <gtest/gtest.h>

namespace occam {
namespace {

AwsCredentials Example() {
  return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "test"};
}

// AWS's SigV4 test suite, "get-vanilla".
TEST(SigV4, MatchesAwsTestSuiteGetVanilla) {
  SigV4Request r;
  r.method = "GET";
  r.headers = {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
  SigV4Scope scope{"us-east-1", "service", "20150830T123600Z"};
  EXPECT_EQ(SigV4CanonicalRequest(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(SigV4Authorization(r, scope, Example()),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
            "aws4_request, SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

SigV4Request Ec2Post() {
  SigV4Request r;
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"host", "127.0.0.1:5123"},
               {"x-amz-date", "20261207T060000Z"}};
  r.body = "Action=DescribeInstances&Version=2016-11-15";
  return r;
}

// The reference values are botocore's SigV4Auth for the same request.
TEST(SigV4, MatchesBotocoreForAnEc2QueryPost) {
  SigV4Scope scope{"eu-west-1", "ec2", "20261207T060000Z"};
  EXPECT_EQ(SigV4Authorization(Ec2Post(), scope, Example()),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/ec2/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
            "Signature=7a9273dd026df3d67bd4f350ddd87f2f21319f3fc4741642cc2b0dfcc50f250d");
}

TEST(SigV4, SignsTheSessionTokenOfTemporaryCredentials) {
  SigV4Request r = Ec2Post();
  r.headers["x-amz-security-token"] = "TOKEN/with+slash";
  SigV4Scope scope{"eu-west-1", "ec2", "20261207T060000Z"};
  AwsCredentials c = Example();
  c.session_token = "TOKEN/with+slash";
  EXPECT_EQ(SigV4Authorization(r, scope, c),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/ec2/"
            "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
            "x-amz-security-token, "
            "Signature=d3fecbae9ead78912d0042f2f37abaa6523fb33dd9b32ec49135fa4b8fa0a93a");
}

TEST(SigV4, ASecretNeverAppearsInTheHeader) {
  SigV4Scope scope{"eu-west-1", "ec2", "20261207T060000Z"};
  EXPECT_EQ(SigV4Authorization(Ec2Post(), scope, Example()).find("wJalr"),
            std::string::npos);
}

TEST(SigV4, EncodesAsRfc3986AndFormatsDates) {
  EXPECT_EQ(AwsUriEncode("a b/c~d_e.f-g+h=é"), "a%20b%2Fc~d_e.f-g%2Bh%3D%C3%A9");
  EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z");
}

}  // namespace
}  // namespace occam
