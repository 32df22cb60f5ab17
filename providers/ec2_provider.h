// The ec2 provider: Occopus's ec2 resource (endpoint, regionname, image_id,
// instance_type, key_name, security_group_ids, subnet_id, tags) built
// through the EC2 Query API (cloud/ec2_client.h). The rendered cloud-init
// context is the instance's user data, as Occopus sends it.
//
// Ownership: every instance carries occam's tags (lineage, address) and a
// per-attempt uuid (tag occam.instance, also the ClientToken) from the
// RunInstances call itself, so an instance an interrupted apply left
// behind is found again: Create adopts a live one with its tags, and apply
// terminates the leftovers of a replaced instance.
//
// The id is "INSTANCE@REGION@ENDPOINT": Read and Delete need no other
// record. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "cloud/aws_credentials.h"
#include "cloud/ec2_client.h"
#include "cloud/ec2_describe_batcher.h"
#include "providers/provider.h"

namespace occam {

constexpr char kInstanceUuidTag[] = "occam.instance";

class Ec2Provider : public Provider {
 public:
  explicit Ec2Provider(ProviderOptions options);
  // For tests: where credentials come from, and how fast to give up.
  Ec2Provider(ProviderOptions options, CredentialSources credentials,
              Ec2RetryPolicy retry, double poll_first_s = 0.1);

  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  void ReadMany(const std::vector<std::string>& ids,
                std::vector<Status>* statuses,
                std::vector<ResourceObject>* objects) override;
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  Status Delete(const std::string& id) override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;
  void Expect(const nlohmann::json& config) override;
  // An instance id ("i-…") at the configured endpoint and region: its
  // image_id and instance_type stand in for the configured ones.
  Status Import(const std::string& user_id, const nlohmann::json& config,
                ResourceObject* out, nlohmann::json* observed) override;
  std::string DisplayId(const std::string& id) const override;

 private:
  struct Where {
    std::string endpoint, region;
    bool operator<(const Where& o) const {
      return endpoint != o.endpoint ? endpoint < o.endpoint : region < o.region;
    }
  };

  // The client for `where`, with credentials for `resource` (its scalar
  // attributes; for Read and Delete only type, endpoint and regionname).
  Status ClientFor(const Where& where, const ResourceFields& resource,
                   std::shared_ptr<const Ec2Client>* out);
  Status ClientForId(const std::string& id, std::string* instance,
                     std::shared_ptr<const Ec2Client>* out);
  // Polls until the instance is running (or gone, or `timeout_s` passed).
  // Both poll through the endpoint's batcher, so that parallel waits share
  // DescribeInstances calls.
  Status WaitRunning(const Ec2Client& client, const Where& where,
                     const std::string& instance, double timeout_s, Ec2Instance* out);
  Status WaitGone(const Ec2Client& client, const Where& where,
                  const std::string& instance, double timeout_s);
  Ec2DescribeBatcher* BatcherFor(const Where& where);
  ResourceObject ToObject(const Where& where, const Ec2Instance& i) const;
  // The live (pending or running) instances of `lineage` at `where`, by
  // address: one DescribeInstances shared by the creates of the next few
  // seconds, so that parallel creates do not each ask.
  Status LiveByAddress(const Ec2Client& client, const Where& where,
                       const std::string& lineage,
                       std::map<std::string, std::vector<std::string>>* out);
  // An instance of `request`'s address that an interrupted apply left
  // running, checked to be live now; empty when there is none. Live
  // duplicates beyond the first are terminated.
  Status FindAdoptable(const Ec2Client& client, const Where& where,
                       const ResourceRequest& request, Ec2Instance* out);

  ProviderOptions options_;
  CredentialSources credentials_;
  Ec2RetryPolicy retry_;
  double poll_first_s_;
  std::mutex mu_;
  std::set<Where> known_;  // where FindByTags looks
  struct LiveSnapshot {
    std::mutex mu;  // one DescribeInstances at a time per key
    std::chrono::steady_clock::time_point taken;
    bool valid = false;
    std::map<std::string, std::vector<std::string>> by_address;
  };
  std::map<std::string, std::unique_ptr<LiveSnapshot>> live_;  // under mu_
  std::map<Where, std::unique_ptr<Ec2DescribeBatcher>> batchers_;  // under mu_
};

// "i-1@eu-west-1@https://ec2.eu-west-1.amazonaws.com" into its parts.
bool ParseEc2Id(const std::string& id, std::string* instance,
                std::string* region, std::string* endpoint);

// What to do about an EC2 refusal, for messages ("" when nothing useful).
std::string Ec2Advice(const std::string& code);

}  // namespace occam
