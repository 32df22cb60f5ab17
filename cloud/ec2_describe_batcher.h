// Ec2DescribeBatcher lets concurrent callers that each wait for one
// instance at the same endpoint share DescribeInstances calls: a caller's
// id joins the next call, and one of the callers makes it for all of them.
// Thirty parallel creates then poll with a few calls, not thirty.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/ec2_client.h"

namespace occam {

class Ec2DescribeBatcher {
 public:
  // How `id` looks now, through `client` or another caller's call to the
  // same endpoint; `*found` is false when EC2 does not list it.
  Status Describe(const Ec2Client& client, const std::string& id,
                  Ec2Instance* out, bool* found, Ec2Error* error);
  // DescribeInstances calls made so far (for tests and benchmarks).
  int calls() const;

 private:
  struct Round {
    std::vector<std::string> ids;
    bool done = false;
    Status status;
    Ec2Error error;
    std::map<std::string, Ec2Instance> instances;
  };

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Round> next_;  // collecting ids; led by the first free caller
  bool in_flight_ = false;
  int calls_ = 0;
};

}  // namespace occam
