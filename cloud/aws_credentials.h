// Where the ec2 provider finds the keys it signs with, as users keep them:
// Occopus's auth_data.yaml (the entry whose filters match the resource),
// then the AWS conventions (AWS_ACCESS_KEY_ID and friends, then
// ~/.aws/credentials with AWS_PROFILE). Keys are never printed: messages
// name where they came from.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

struct AwsCredentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only
  std::string source;         // "AWS_ACCESS_KEY_ID", "auth_data.yaml:4" …
};

// What auth_data.yaml's filters are matched against: the resource's scalar
// attributes (type, endpoint, regionname, name …).
using ResourceFields = std::map<std::string, std::string>;

struct CredentialSources {
  // auth_data.yaml files in the order Occopus looks for them; the first
  // that exists is read.
  std::vector<std::string> auth_data_files;
  std::map<std::string, std::string> env;  // AWS_* variables
  std::string aws_credentials_file;        // ~/.aws/credentials
};

// The sources of this process: OCCOPUS_AUTH_DATA_PATH,
// ~/.occopus/auth_data.yaml, ./auth_data.yaml, /etc/occopus/auth_data.yaml;
// the AWS_* environment; AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.
CredentialSources DefaultCredentialSources();

// The credentials for `resource`. NotFound says every place looked in and
// how to provide keys; InvalidArgument names a malformed file (never its
// secrets).
Status FindAwsCredentials(const CredentialSources& sources,
                          const ResourceFields& resource, AwsCredentials* out);

}  // namespace occam
