// Ec2Client speaks the EC2 Query API (the API of AWS EC2 and of every cloud
// that imitates it, moto_server included) over libcurl: form-encoded POSTs
// signed with SigV4, XML answers read with pugixml. It retries what EC2
// asks to be retried (throttling, 5xx, a dropped connection) with jittered
// exponential back-off. Thread-safe: a call is one HTTP exchange.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "cloud/aws_credentials.h"

namespace occam {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// An instance as DescribeInstances and RunInstances report it.
struct Ec2Instance {
  std::string id;
  std::string state;  // pending, running, shutting-down, terminated …
  std::string private_ip, public_ip, public_dns, private_dns;
  std::string image_id, instance_type, launch_time;
  std::map<std::string, std::string> tags;
};

// What EC2 answered when it refused: its code ("InvalidAMIID.NotFound"),
// message and HTTP status; empty code for a transport failure.
struct Ec2Error {
  std::string code;
  std::string message;
  long http_status = 0;
};

struct Ec2RetryPolicy {
  int attempts = 6;             // in all, the first included
  double first_delay_s = 0.2;   // doubled each time, with full jitter
  double max_delay_s = 5;
  long timeout_s = 60;          // one HTTP exchange
};

class Ec2Client {
 public:
  Ec2Client(std::string endpoint, std::string region,
            AwsCredentials credentials, Ec2RetryPolicy retry = {});

  // Action with `params` (Version is added); `*xml` the answer's text.
  // A refusal is a Status whose message is "CODE: message" and, when
  // `error` is given, the parts.
  Status Call(const std::string& action, const QueryParams& params,
              std::string* xml, Ec2Error* error = nullptr) const;

  // RunInstances of one instance; `*out` as the answer describes it.
  Status RunInstance(const QueryParams& params, Ec2Instance* out,
                     Ec2Error* error = nullptr) const;
  // Every instance matching `filters` ({name, {values}}), across pages.
  Status DescribeInstances(
      const std::vector<std::pair<std::string, std::vector<std::string>>>& filters,
      std::vector<Ec2Instance>* out, Ec2Error* error = nullptr) const;
  Status TerminateInstances(const std::vector<std::string>& ids,
                            Ec2Error* error = nullptr) const;

  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }

 private:
  Status Exchange(const std::string& body, std::string* received,
                  long* http_status) const;

  std::string endpoint_, region_;
  AwsCredentials credentials_;
  Ec2RetryPolicy retry_;
};

// The instances of a RunInstances or DescribeInstances answer; false when
// `xml` is not such an answer.
bool ParseEc2Instances(const std::string& xml, std::vector<Ec2Instance>* out,
                       std::string* next_token);
// The first error of an EC2 error answer; false when there is none.
bool ParseEc2Error(const std::string& xml, Ec2Error* out);
// Whether a call that failed with `error` is worth repeating.
bool Ec2Retryable(const Ec2Error& error);

}  // namespace occam
