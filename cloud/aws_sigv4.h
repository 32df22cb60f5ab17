// AWS Signature Version 4: how every AWS API (and clouds that speak EC2's,
// moto_server included) authenticates a request. The HMAC-SHA256 chain
// comes from OpenSSL's libcrypto; the canonical request is ours.
#pragma once

#include <map>
#include <string>

#include "cloud/aws_credentials.h"

namespace occam {

struct SigV4Request {
  std::string method = "POST";
  std::string path = "/";   // as sent, already percent-encoded
  std::string query;        // canonical: sorted, encoded; "" for POST forms
  // Lowercase names; `host` must be the Host header exactly as sent
  // ("127.0.0.1:5000" with a non-default port).
  std::map<std::string, std::string> headers;
  std::string body;
};

struct SigV4Scope {
  std::string region;   // "us-east-1"
  std::string service;  // "ec2"
  std::string amz_date; // "20150830T123600Z" (UTC)
};

// The Authorization header's value for `request`, which must already carry
// the x-amz-date (and, with temporary credentials, x-amz-security-token)
// headers that are signed.
std::string SigV4Authorization(const SigV4Request& request,
                               const SigV4Scope& scope,
                               const AwsCredentials& credentials);

// The steps, for tests against AWS's published examples.
std::string SigV4CanonicalRequest(const SigV4Request& request);
std::string SigV4StringToSign(const std::string& canonical_request,
                              const SigV4Scope& scope);

// "20150830T123600Z" for unix time `seconds`.
std::string AmzDate(long long seconds);
// RFC 3986 percent-encoding as SigV4 wants it: all but A-Za-z0-9-_.~.
std::string AwsUriEncode(const std::string& text);

}  // namespace occam
