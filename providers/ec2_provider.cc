#include "providers/ec2_provider.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "base/base64.h"
#include "base/json_fields.h"
#include "base/uuid.h"

namespace occam {
namespace {

using nlohmann::json;
using Filters = std::vector<std::pair<std::string, std::vector<std::string>>>;

constexpr double kDefaultCreateTimeoutS = 600;
constexpr double kDeleteTimeoutS = 300;
constexpr size_t kUserDataLimit = 16384;  // EC2's, before base64
constexpr size_t kFilterValuesPerCall = 200;
// How long one look at an endpoint's live instances answers the adoption
// question of the creates that follow (candidates are checked again).
constexpr double kLiveSnapshotSeconds = 5;

// A scalar attribute as text: strings as they are, numbers as written.
std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

ResourceFields Fields(const json& resource) {
  ResourceFields out;
  if (resource.is_object()) {
    for (const auto& [k, v] : resource.items()) {
      if (v.is_primitive() && !v.is_null()) out[k] = Scalar(v);
    }
  }
  out["type"] = "ec2";
  return out;
}

bool Gone(const std::string& state) {
  return state == "terminated" || state == "shutting-down";
}

void Sleep(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

double Elapsed(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// "EC2 refused ACTION at ENDPOINT: CODE: message. ADVICE"
Status Refused(const std::string& action, const Ec2Client& client,
               const Status& s, const Ec2Error& e) {
  std::string advice = Ec2Advice(e.code);
  std::string message = action + " at " + client.endpoint() + " (region " +
                        client.region() + ") failed: " + s.message();
  if (!advice.empty()) message += ". " + advice;
  return s.code() == Status::Code::kUnavailable ? Status::Unavailable(message)
                                                 : Status::InvalidArgument(message);
}

QueryParams RunParams(const json& resource, const std::string& user_data,
                      const std::string& uuid, const OwnershipTags& tags) {
  QueryParams p{{"ImageId", Scalar(JsonField(resource, "image_id"))},
                {"InstanceType", Scalar(JsonField(resource, "instance_type"))},
                {"ClientToken", uuid}};
  std::string key = Scalar(JsonField(resource, "key_name"));
  if (!key.empty()) p.push_back({"KeyName", key});
  const json& groups = JsonField(resource, "security_group_ids");
  if (groups.is_array()) {
    for (size_t i = 0; i < groups.size(); ++i) {
      p.push_back({"SecurityGroupId." + std::to_string(i + 1), Scalar(groups[i])});
    }
  }
  std::string subnet = Scalar(JsonField(resource, "subnet_id"));
  if (!subnet.empty()) p.push_back({"SubnetId", subnet});
  if (!user_data.empty()) p.push_back({"UserData", Base64Encode(user_data)});
  std::map<std::string, std::string> all;
  const json& user_tags = JsonField(resource, "tags");
  if (user_tags.is_object()) {
    for (const auto& [k, v] : user_tags.items()) all[k] = Scalar(v);
  }
  for (const auto& [k, v] : tags) all[k] = v;  // occam's win
  all[kInstanceUuidTag] = uuid;
  p.push_back({"TagSpecification.1.ResourceType", "instance"});
  int n = 0;
  for (const auto& [k, v] : all) {
    std::string prefix = "TagSpecification.1.Tag." + std::to_string(++n) + ".";
    p.push_back({prefix + "Key", k});
    p.push_back({prefix + "Value", v});
  }
  return p;
}

// The user data Occopus would send: the rendered cloud-init context.
std::string UserData(const json& config) {
  const json& context = JsonField(config, "contextualisation");
  return JsonString(context, "context_template");
}

Filters TagFilters(const OwnershipTags& tags, std::vector<std::string> states) {
  Filters f;
  for (const auto& [k, v] : tags) f.push_back({"tag:" + k, {v}});
  f.push_back({"instance-state-name", std::move(states)});
  return f;
}

}  // namespace

bool ParseEc2Id(const std::string& id, std::string* instance,
                std::string* region, std::string* endpoint) {
  size_t a = id.find('@');
  size_t b = a == std::string::npos ? a : id.find('@', a + 1);
  if (b == std::string::npos || a == 0) return false;
  *instance = id.substr(0, a);
  *region = id.substr(a + 1, b - a - 1);
  *endpoint = id.substr(b + 1);
  return !endpoint->empty();
}

std::string Ec2Advice(const std::string& code) {
  if (code == "AuthFailure" || code == "SignatureDoesNotMatch" ||
      code == "InvalidClientTokenId" || code == "UnrecognizedClientException" ||
      code == "UnauthorizedOperation" || code == "OptInRequired") {
    return "Check the credentials occam signs with (docs/providers.md, "
           "\"ec2\": auth_data.yaml, AWS_ACCESS_KEY_ID or ~/.aws/credentials) "
           "and that they may run instances in this region";
  }
  if (code.rfind("InvalidAMIID", 0) == 0) {
    return "image_id names no image this account can use in this region: "
           "look it up with DescribeImages for the region in regionname";
  }
  if (code.rfind("InvalidInstanceType", 0) == 0 ||
      code == "InvalidParameterValue" || code == "Unsupported") {
    return "Check instance_type (and the other attributes the message "
           "names) against what this region offers";
  }
  if (code == "InstanceLimitExceeded" || code == "VcpuLimitExceeded" ||
      code == "InsufficientInstanceCapacity" || code == "MaxSpotInstanceCountExceeded") {
    return "The cloud has no room for another instance: lower the node's "
           "count or scaling max, ask the cloud for a higher quota, or use "
           "another instance_type or region";
  }
  if (code == "InvalidGroup.NotFound" || code == "InvalidGroupId.Malformed") {
    return "security_group_ids names a group that does not exist in this "
           "region";
  }
  if (code == "InvalidSubnetID.NotFound") {
    return "subnet_id names a subnet that does not exist in this region";
  }
  if (code == "InvalidKeyPair.NotFound") {
    return "key_name names no key pair of this region: import the key or fix "
           "the name";
  }
  if (code == "RequestLimitExceeded" || code == "Throttling") {
    return "The cloud throttles occam: apply again later, or lower "
           "-parallelism";
  }
  return "";
}

Ec2Provider::Ec2Provider(ProviderOptions options)
    : Ec2Provider(std::move(options), DefaultCredentialSources(), Ec2RetryPolicy()) {}

Ec2Provider::Ec2Provider(ProviderOptions options, CredentialSources credentials,
                         Ec2RetryPolicy retry, double poll_first_s)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      retry_(retry),
      poll_first_s_(poll_first_s) {}

Status Ec2Provider::ClientFor(const Where& where, const ResourceFields& resource,
                              std::shared_ptr<const Ec2Client>* out) {
  if (where.endpoint.empty() || where.region.empty()) {
    return Status::InvalidArgument("an ec2 resource needs endpoint and regionname");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    known_.insert(where);
  }
  AwsCredentials credentials;
  Status s = FindAwsCredentials(credentials_, resource, &credentials);
  if (!s.ok()) return s;
  // Credentials are looked up for every call, so that an edited
  // auth_data.yaml counts while serve runs; a client is one exchange.
  *out = std::make_shared<const Ec2Client>(where.endpoint, where.region,
                                           credentials, retry_);
  return Status::Ok();
}

Status Ec2Provider::ClientForId(const std::string& id, std::string* instance,
                                std::shared_ptr<const Ec2Client>* out) {
  Where where;
  if (!ParseEc2Id(id, instance, &where.region, &where.endpoint)) {
    return Status::InvalidArgument("'" + id + "' is not an ec2 instance id "
                                   "(INSTANCE@REGION@ENDPOINT)");
  }
  return ClientFor(where, {{"type", "ec2"}, {"endpoint", where.endpoint},
                           {"regionname", where.region}},
                   out);
}

ResourceObject Ec2Provider::ToObject(const Where& where, const Ec2Instance& i) const {
  ResourceObject o;
  o.id = i.id + "@" + where.region + "@" + where.endpoint;
  o.outputs = {{"instance_id", i.id},
               {"state", i.state},
               {"ip", i.public_ip.empty() ? i.private_ip : i.public_ip},
               {"private_ip", i.private_ip},
               {"public_ip", i.public_ip},
               {"public_dns", i.public_dns},
               {"private_dns", i.private_dns}};
  for (const auto& [k, v] : i.tags) {
    if (k.rfind("occam.", 0) == 0) o.tags[k] = v;
  }
  if (i.state == "stopped" || i.state == "stopping") {
    o.drift = "the instance is " + i.state;
  }
  return o;
}

Ec2DescribeBatcher* Ec2Provider::BatcherFor(const Where& where) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& batcher = batchers_[where];
  if (!batcher) batcher = std::make_unique<Ec2DescribeBatcher>();
  return batcher.get();
}

Status Ec2Provider::WaitRunning(const Ec2Client& client, const Where& where,
                                const std::string& instance, double timeout_s,
                                Ec2Instance* out) {
  auto start = std::chrono::steady_clock::now();
  double delay = poll_first_s_;
  std::string last = "pending";
  Ec2DescribeBatcher* batcher = BatcherFor(where);
  while (true) {
    Ec2Instance now;
    bool found = false;
    Ec2Error e;
    Status s = batcher->Describe(client, instance, &now, &found, &e);
    if (!s.ok()) return Refused("DescribeInstances", client, s, e);
    if (found) {
      *out = now;
      last = out->state;
      if (last == "running") return Status::Ok();
      if (last != "pending") {
        return Status::Unavailable("instance " + instance + " is " + last +
                                   " instead of running");
      }
    }
    if (Elapsed(start) + delay > timeout_s) {
      std::ostringstream seconds;
      seconds << timeout_s;
      return Status::Unavailable(
          "instance " + instance + " is still " + last + " after " + seconds.str() +
          " s; raise the resource's create_timeout if the cloud is slow");
    }
    Sleep(delay);
    delay = std::min(delay * 2, 2.0);
  }
}

Status Ec2Provider::WaitGone(const Ec2Client& client, const Where& where,
                             const std::string& instance, double timeout_s) {
  auto start = std::chrono::steady_clock::now();
  double delay = poll_first_s_;
  Ec2DescribeBatcher* batcher = BatcherFor(where);
  while (true) {
    Ec2Instance now;
    bool found = false;
    Ec2Error e;
    Status s = batcher->Describe(client, instance, &now, &found, &e);
    if (!s.ok()) return Refused("DescribeInstances", client, s, e);
    if (!found || Gone(now.state)) return Status::Ok();
    if (Elapsed(start) + delay > timeout_s) {
      return Status::Unavailable("instance " + instance + " is still " +
                                 now.state + " after termination was asked");
    }
    Sleep(delay);
    delay = std::min(delay * 2, 2.0);
  }
}

Status Ec2Provider::Create(const ResourceRequest& request, ResourceObject* out) {
  const json& resource = JsonField(request.config, "resource");
  Where where{Scalar(JsonField(resource, "endpoint")),
              Scalar(JsonField(resource, "regionname"))};
  std::shared_ptr<const Ec2Client> client;
  Status s = ClientFor(where, Fields(resource), &client);
  if (!s.ok()) return s;
  std::string user_data = UserData(request.config);
  if (user_data.size() > kUserDataLimit) {
    return Status::InvalidArgument(
        "the rendered cloud-init context is " + std::to_string(user_data.size()) +
        " bytes; EC2 takes at most 16384 bytes of user data: move files out "
        "of the context (write_files of a URL, or a config-management step)");
  }
  const json& timeout_attr = JsonField(resource, "create_timeout");
  double timeout = timeout_attr.is_number() ? timeout_attr.get<double>()
                                            : kDefaultCreateTimeoutS;

  // An instance an interrupted apply started carries the same tags: adopt
  // it rather than run a second one.
  Ec2Instance instance;
  s = FindAdoptable(*client, where, request, &instance);
  if (!s.ok()) return s;
  Ec2Error e;
  if (instance.id.empty()) {
    s = client->RunInstance(RunParams(resource, user_data, NewUuid(), request.tags),
                            &instance, &e);
    if (!s.ok()) return Refused("RunInstances", *client, s, e);
  }
  s = WaitRunning(*client, where, instance.id, timeout, &instance);
  if (!s.ok()) {
    // Not left running unrecorded; the tags find it if this fails too.
    client->TerminateInstances({instance.id}, &e);
    return s;
  }
  *out = ToObject(where, instance);
  return Status::Ok();
}

Status Ec2Provider::LiveByAddress(const Ec2Client& client, const Where& where,
                                  const std::string& lineage,
                                  std::map<std::string, std::vector<std::string>>* out) {
  LiveSnapshot* snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = live_[where.endpoint + "\n" + where.region + "\n" + lineage];
    if (!slot) slot = std::make_unique<LiveSnapshot>();
    snapshot = slot.get();
  }
  std::lock_guard<std::mutex> lock(snapshot->mu);
  if (!snapshot->valid ||
      Elapsed(snapshot->taken) > kLiveSnapshotSeconds) {
    std::vector<Ec2Instance> live;
    Ec2Error e;
    Status s = client.DescribeInstances(
        TagFilters({{kLineageTag, lineage}}, {"pending", "running"}), &live, &e);
    if (!s.ok()) return Refused("DescribeInstances", client, s, e);
    snapshot->by_address.clear();
    for (const Ec2Instance& i : live) {
      auto it = i.tags.find(kAddressTag);
      if (it != i.tags.end()) snapshot->by_address[it->second].push_back(i.id);
    }
    snapshot->taken = std::chrono::steady_clock::now();
    snapshot->valid = true;
  }
  *out = snapshot->by_address;
  return Status::Ok();
}

Status Ec2Provider::FindAdoptable(const Ec2Client& client, const Where& where,
                                  const ResourceRequest& request, Ec2Instance* out) {
  *out = Ec2Instance();
  auto lineage = request.tags.find(kLineageTag);
  auto address = request.tags.find(kAddressTag);
  if (lineage == request.tags.end() || address == request.tags.end()) {
    return Status::Ok();
  }
  std::map<std::string, std::vector<std::string>> live;
  Status s = LiveByAddress(client, where, lineage->second, &live);
  if (!s.ok()) return s;
  std::vector<std::string> candidates;
  for (const std::string& id : live[address->second]) {
    std::string owned = id + "@" + where.region + "@" + where.endpoint;
    if (std::find(request.owned_ids.begin(), request.owned_ids.end(), owned) ==
        request.owned_ids.end()) {
      candidates.push_back(id);
    }
  }
  if (candidates.empty()) return Status::Ok();
  // The snapshot may be seconds old: ask again about these few.
  std::vector<Ec2Instance> now;
  Ec2Error e;
  s = client.DescribeInstances({{"instance-id", candidates},
                                {"instance-state-name", {"pending", "running"}}},
                               &now, &e);
  if (!s.ok()) return Refused("DescribeInstances", client, s, e);
  if (now.empty()) return Status::Ok();
  *out = now[0];
  std::vector<std::string> extra;
  for (size_t i = 1; i < now.size(); ++i) extra.push_back(now[i].id);
  if (!extra.empty()) {
    s = client.TerminateInstances(extra, &e);
    if (!s.ok()) return Refused("TerminateInstances", client, s, e);
  }
  return Status::Ok();
}

Status Ec2Provider::Read(const std::string& id, ResourceObject* out) {
  std::vector<Status> statuses;
  std::vector<ResourceObject> objects;
  ReadMany({id}, &statuses, &objects);
  *out = objects[0];
  return statuses[0];
}

void Ec2Provider::ReadMany(const std::vector<std::string>& ids,
                           std::vector<Status>* statuses,
                           std::vector<ResourceObject>* objects) {
  statuses->assign(ids.size(), Status::Ok());
  objects->assign(ids.size(), ResourceObject());
  // One DescribeInstances per endpoint and region (per 200 instances).
  std::map<Where, std::vector<size_t>> groups;
  std::vector<std::string> instance(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    Where w;
    if (!ParseEc2Id(ids[i], &instance[i], &w.region, &w.endpoint)) {
      (*statuses)[i] = Status::InvalidArgument("'" + ids[i] + "' is not an ec2 instance id");
      continue;
    }
    groups[w].push_back(i);
  }
  for (const auto& [where, members] : groups) {
    std::shared_ptr<const Ec2Client> client;
    Status s = ClientFor(where, {{"type", "ec2"}, {"endpoint", where.endpoint},
                                 {"regionname", where.region}},
                         &client);
    for (size_t from = 0; from < members.size(); from += kFilterValuesPerCall) {
      std::vector<std::string> wanted;
      for (size_t k = from; k < std::min(members.size(), from + kFilterValuesPerCall); ++k) {
        wanted.push_back(instance[members[k]]);
      }
      std::vector<Ec2Instance> found;
      Ec2Error e;
      if (s.ok()) {
        Status d = client->DescribeInstances({{"instance-id", wanted}}, &found, &e);
        if (!d.ok()) d = Refused("DescribeInstances", *client, d, e);
        for (size_t k = from; k < from + wanted.size(); ++k) (*statuses)[members[k]] = d;
        if (!d.ok()) continue;
      }
      std::map<std::string, const Ec2Instance*> by_id;
      for (const Ec2Instance& i : found) by_id[i.id] = &i;
      for (size_t k = from; k < from + wanted.size(); ++k) {
        size_t m = members[k];
        if (!s.ok()) {
          (*statuses)[m] = s;
          continue;
        }
        auto it = by_id.find(instance[m]);
        if (it == by_id.end() || Gone(it->second->state)) {
          (*statuses)[m] = Status::NotFound("instance " + instance[m] + " is " +
                                            (it == by_id.end() ? "gone" : it->second->state));
          continue;
        }
        (*objects)[m] = ToObject(where, *it->second);
      }
    }
  }
}

Status Ec2Provider::Import(const std::string& user_id, const json& config,
                           ResourceObject* out, json* observed) {
  const json& resource = JsonField(config, "resource");
  Where where{Scalar(JsonField(resource, "endpoint")),
              Scalar(JsonField(resource, "regionname"))};
  std::string instance = user_id.substr(0, user_id.find('@'));
  if (instance.rfind("i-", 0) != 0) {
    return Status::InvalidArgument("'" + user_id + "' is not an EC2 instance id (i-…)");
  }
  std::shared_ptr<const Ec2Client> client;
  Status s = ClientFor(where, Fields(resource), &client);
  std::vector<Ec2Instance> found;
  Ec2Error e;
  if (s.ok()) {
    s = client->DescribeInstances({{"instance-id", {instance}}}, &found, &e);
    if (!s.ok() && e.code == "InvalidInstanceID.NotFound") {
      found.clear();  // answered below as "no live instance"
      s = Status::Ok();
    }
    if (!s.ok()) s = Refused("DescribeInstances", *client, s, e);
  }
  if (!s.ok()) return s;
  if (found.empty() || Gone(found[0].state)) {
    return Status::NotFound("no live instance " + instance + " at " + where.endpoint +
                            " in " + where.region);
  }
  *out = ToObject(where, found[0]);
  *observed = config;
  for (const auto& [attribute, value] :
       {std::pair<const char*, std::string>{"image_id", found[0].image_id},
        {"instance_type", found[0].instance_type}}) {
    if (Scalar(JsonField(resource, attribute)) != value) {
      (*observed)["resource"][attribute] = value;  // the plan shows it
    }
  }
  return Status::Ok();
}

Status Ec2Provider::Update(const std::string& id, const ResourceRequest&,
                           ResourceObject*) {
  return Status::Internal("ec2 instances are replaced, not updated (" + id + ")");
}

Status Ec2Provider::Delete(const std::string& id) {
  std::string instance;
  std::shared_ptr<const Ec2Client> client;
  Status s = ClientForId(id, &instance, &client);
  if (!s.ok()) return s;
  Ec2Error e;
  s = client->TerminateInstances({instance}, &e);
  if (!s.ok() && e.code == "InvalidInstanceID.NotFound") return Status::Ok();
  if (!s.ok()) return Refused("TerminateInstances", *client, s, e);
  return WaitGone(*client, {client->endpoint(), client->region()}, instance,
                  kDeleteTimeoutS);
}

Status Ec2Provider::FindByTags(const OwnershipTags& tags,
                               std::vector<ResourceObject>* out) {
  out->clear();
  std::set<Where> known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    known = known_;
  }
  for (const Where& where : known) {
    std::shared_ptr<const Ec2Client> client;
    Status s = ClientFor(where, {{"type", "ec2"}, {"endpoint", where.endpoint},
                                 {"regionname", where.region}},
                         &client);
    if (!s.ok()) return s;
    std::vector<Ec2Instance> found;
    Ec2Error e;
    s = client->DescribeInstances(
        TagFilters(tags, {"pending", "running", "stopping", "stopped"}), &found, &e);
    if (!s.ok()) return Refused("DescribeInstances", *client, s, e);
    for (const Ec2Instance& i : found) out->push_back(ToObject(where, i));
  }
  return Status::Ok();
}

void Ec2Provider::Expect(const json& config) {
  const json& resource = JsonField(config, "resource");
  Where where{Scalar(JsonField(resource, "endpoint")),
              Scalar(JsonField(resource, "regionname"))};
  if (where.endpoint.empty() || where.region.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  known_.insert(where);
}

std::string Ec2Provider::DisplayId(const std::string& id) const {
  size_t at = id.find('@');
  return at == std::string::npos ? id : id.substr(0, at);
}

}  // namespace occam
