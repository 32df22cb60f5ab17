#include "cloud/aws_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>

#include "base/sha256.h"

namespace occam {
namespace {

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Header values with leading and trailing blanks removed and inner runs of
// blanks made one space.
std::string TrimHeader(const std::string& value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string SignedHeaders(const SigV4Request& request) {
  std::string out;
  for (const auto& [name, value] : request.headers) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CredentialScope(const SigV4Scope& scope) {
  return scope.amz_date.substr(0, 8) + "/" + scope.region + "/" +
         scope.service + "/aws4_request";
}

}  // namespace

std::string AwsUriEncode(const std::string& text) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string AmzDate(long long seconds) {
  time_t t = static_cast<time_t>(seconds);
  struct tm utc;
  gmtime_r(&t, &utc);
  char buffer[32];
  strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string SigV4CanonicalRequest(const SigV4Request& request) {
  std::string out = request.method + "\n" + request.path + "\n" +
                    request.query + "\n";
  for (const auto& [name, value] : request.headers) {
    out += name + ":" + TrimHeader(value) + "\n";
  }
  out += "\n" + SignedHeaders(request) + "\n" + Sha256Hex(request.body);
  return out;
}

std::string SigV4StringToSign(const std::string& canonical_request,
                              const SigV4Scope& scope) {
  return "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" +
         CredentialScope(scope) + "\n" + Sha256Hex(canonical_request);
}

std::string SigV4Authorization(const SigV4Request& request,
                               const SigV4Scope& scope,
                               const AwsCredentials& credentials) {
  std::string key = Hmac("AWS4" + credentials.secret_key,
                         scope.amz_date.substr(0, 8));
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  key = Hmac(key, "aws4_request");
  std::string signature =
      Hex(Hmac(key, SigV4StringToSign(SigV4CanonicalRequest(request), scope)));
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" +
         CredentialScope(scope) + ", SignedHeaders=" + SignedHeaders(request) +
         ", Signature=" + signature;
}

}  // namespace occam
