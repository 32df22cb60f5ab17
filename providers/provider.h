// Provider is what creates, reads, updates and deletes the objects behind
// resource instances: processes, containers, cloud machines. One interface
// for every resource type; each implementation passes
// provider_conformance_test.cc.
//
// Providers are called from several apply workers at once and must be
// thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace occam {

// Tags that mark an object as occam's: the state's lineage and the
// instance's address. Every provider puts them on what it creates, so that
// an object whose creation was interrupted can be found again.
using OwnershipTags = std::map<std::string, std::string>;
OwnershipTags MakeOwnershipTags(const std::string& lineage,
                                const std::string& address);
constexpr char kLineageTag[] = "occam.lineage";
constexpr char kAddressTag[] = "occam.address";

struct ResourceRequest {
  std::string address;  // "app[2]"
  // The instance's rendered configuration: {"resource": {…},
  // "contextualisation": {…}, …}.
  nlohmann::json config = nlohmann::json::object();
  OwnershipTags tags;
  // Objects that carry the same tags and already belong to the instance
  // (the old object of a create-before-destroy, which stays until its
  // successor is ready): a provider that adopts objects by their tags
  // must leave these alone.
  std::vector<std::string> owned_ids;
};

// An object as its provider sees it.
struct ResourceObject {
  std::string id;
  nlohmann::json outputs = nlohmann::json::object();  // ip, port, pid …
  OwnershipTags tags;
  // Set by Read when the object exists but is no longer what was created
  // (a container that exited): says how it differs. The next plan replaces
  // the instance, reason "drifted".
  std::string drift;
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual Status Create(const ResourceRequest& request,
                        ResourceObject* out) = 0;
  // NotFound when the object is gone.
  virtual Status Read(const std::string& id, ResourceObject* out) = 0;
  // Changes the attributes the schema marks updatable, in place.
  virtual Status Update(const std::string& id, const ResourceRequest& request,
                        ResourceObject* out) = 0;
  // Succeeds when the object is gone afterwards, whether or not it existed.
  virtual Status Delete(const std::string& id) = 0;
  // Every object carrying all of `tags`.
  virtual Status FindByTags(const OwnershipTags& tags,
                            std::vector<ResourceObject>* out) = 0;
  // Reads several objects: (*statuses)[i] and (*objects)[i] are what
  // Read(ids[i]) would give. Providers of remote APIs read them in as few
  // calls as the API allows (ec2: one DescribeInstances per endpoint).
  virtual void ReadMany(const std::vector<std::string>& ids,
                        std::vector<Status>* statuses,
                        std::vector<ResourceObject>* objects);
  // Tells the provider where objects of a recorded configuration live (an
  // instance whose create was interrupted has no id, only tags), before
  // FindByTags is asked for them.
  virtual void Expect(const nlohmann::json& config) { (void)config; }
  // The id as people read it in progress lines: the id itself, unless the
  // provider keeps more in it than the object's name.
  virtual std::string DisplayId(const std::string& id) const { return id; }
  // `occam import`: reads the object `user_id` names (as users know it: a
  // pid, a container name or id), and returns in `*observed` the instance
  // configuration `config` with what the provider can see of the object
  // put in place of what the descriptor says, so that the next plan shows
  // where the two differ. NotFound when there is no such object;
  // InvalidArgument when the provider cannot import.
  virtual Status Import(const std::string& user_id, const nlohmann::json& config,
                        ResourceObject* out, nlohmann::json* observed);
};

// Where providers may keep files (process logs) and what they may use.
struct ProviderOptions {
  std::string state_dir = ".";  // the folder of the state file
  std::string docker_socket = "/var/run/docker.sock";
};

// The providers occam has, by resource type. Types without one (ec2, nova
// …) are planned but cannot be applied. Thread-safe.
class ProviderRegistry {
 public:
  explicit ProviderRegistry(ProviderOptions options);
  // The provider of `type`, created on first use; nullptr and `*why` when
  // occam cannot apply that type.
  Provider* Find(const std::string& type, std::string* why);
  // For tests: use `provider` for `type`.
  void Set(const std::string& type, std::unique_ptr<Provider> provider);

 private:
  ProviderOptions options_;
  std::mutex mu_;  // apply workers look providers up concurrently
  std::map<std::string, std::unique_ptr<Provider>> providers_;
};

}  // namespace occam
