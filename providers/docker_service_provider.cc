#include "providers/docker_service_provider.h"

#include <cctype>
#include <chrono>
#include <set>
#include <thread>

#include "base/uuid.h"
#include "base/json_fields.h"
#include "providers/docker_config.h"
#include "providers/swarm_configs.h"

namespace occam {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr double kGraceSeconds = 2;
constexpr double kDefaultConvergeSeconds = 120;
constexpr double kStableSeconds = 1;

std::string Text(const json& section, const char* key) {
  if (!section.is_object() || !section.contains(key)) return "";
  const json& v = section[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

std::string ServiceName(const json& resource, const std::string& address) {
  std::string base = Text(resource, "name");
  if (base.empty()) base = address.substr(0, address.find('['));
  // Swarm service names are DNS labels: lower case, not starting with '-'.
  std::string name;
  for (char c : base) {
    unsigned char u = static_cast<unsigned char>(c);
    name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  if (name.empty() || name[0] == '-') name = "occam" + name;
  return name.substr(0, 50) + "-" + NewUuid().substr(0, 8);
}

bool Replicated(const json& resource) {
  return Text(resource, "mode").empty() || Text(resource, "mode") == "replicated";
}

int Replicas(const json& resource) {
  const json& r = resource.value("replicas", json(1));
  return r.is_number_integer() ? r.get<int>() : 1;
}

// The swarm's ServiceSpec for the instance; `name` is kept on update.
Status ServiceSpec(const ResourceRequest& request, const std::string& name,
                   json* spec) {
  const json& resource = request.config.value("resource", json::object());
  const json& context = request.config.value("contextualisation",
                                             json::object());
  std::string mode = Text(resource, "mode");
  if (!mode.empty() && mode != "replicated" && mode != "global") {
    return Status::InvalidArgument("service mode '" + mode +
                                   "' is not replicated or global");
  }
  auto pick = [&](const char* key) {
    return resource.contains(key) ? resource[key]
                                  : context.is_object() && context.contains(key)
                                        ? context[key]
                                        : json();
  };
  std::vector<std::string> argv;
  Status s = ContainerCommand(pick("command"), &argv);
  std::vector<PortMapping> ports;
  if (s.ok()) s = ParsePorts(resource.value("ports", json()), &ports);
  if (!s.ok()) return s;
  json container = {
      {"Image", ImageReference(resource)},
      {"Env", ContainerEnv(pick("env"))},
      {"Labels", Labels(request.tags)},
      {"Init", true},
      {"StopGracePeriod", static_cast<int64_t>(kGraceSeconds * 1e9)}};
  if (!argv.empty()) container["Command"] = argv;
  json published = json::array();
  for (const PortMapping& p : ports) {
    published.push_back({{"Protocol", "tcp"},
                         {"TargetPort", p.target},
                         {"PublishedPort", p.published},
                         {"PublishMode", "host"}});
  }
  *spec = {{"Name", name},
           {"Labels", Labels(request.tags)},
           {"TaskTemplate",
            {{"ContainerSpec", container},
             {"RestartPolicy",
              {{"Condition", "any"}, {"Delay", int64_t{1'000'000'000}}}}}},
           {"EndpointSpec", {{"Mode", "dnsrr"}, {"Ports", published}}}};
  if (Replicated(resource)) {
    (*spec)["Mode"] = {{"Replicated", {{"Replicas", Replicas(resource)}}}};
  } else {
    (*spec)["Mode"] = {{"Global", json::object()}};
  }
  return Status::Ok();
}

// Mounts the resource's `files` in the task template as swarm configs.
Status AttachFiles(const DockerClient& client, const json& resource,
                   const OwnershipTags& tags, json* spec) {
  json refs;
  Status s = MakeSwarmConfigs(client, JsonField(resource, "files"),
                              JsonString(*spec, "Name"), tags, &refs);
  if (s.ok() && !refs.empty()) {
    (*spec)["TaskTemplate"]["ContainerSpec"]["Configs"] = refs;
  }
  return s;
}

std::string ServiceFilter(const std::string& service, bool running_only) {
  json filters = {{"service", {service}}};
  if (running_only) filters["desired-state"] = {"running"};
  return UrlEncode(filters.dump());
}

// Waits until the tasks the swarm wants running are running -- `want` of
// them, or all of them when `want` < 0 (global mode) -- and stay running
// for kStableSeconds, so that a program that exits at once is not taken
// for a started one (as `docker service create` monitors its tasks).
Status WaitConverged(const DockerClient& client, const std::string& service,
                     int want, double timeout_seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  std::string last_error;
  std::set<std::string> running, previous;
  auto since = Clock::now();
  int wanted = 0;
  while (true) {
    json tasks;
    Status s = client.Call("GET", "/tasks?filters=" +
                                      ServiceFilter(service, false),
                           json(), &tasks);
    if (!s.ok()) return s;
    running.clear();
    wanted = 0;
    for (const json& t : tasks) {
      const json& status = t.value("Status", json::object());
      if (!status.value("Err", "").empty()) last_error = status["Err"];
      if (t.value("DesiredState", "") != "running") continue;
      ++wanted;
      if (status.value("State", "") == "running") running.insert(t["ID"]);
    }
    int target = want < 0 ? wanted : want;
    bool enough = static_cast<int>(running.size()) >= target &&
                  (want >= 0 || wanted > 0);
    if (!enough || running != previous) since = Clock::now();
    previous = running;
    if (enough && Clock::now() - since >=
                      std::chrono::duration<double>(kStableSeconds)) {
      return Status::Ok();
    }
    if (Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Unavailable(
      "the tasks of service " + service + " did not run steadily within " +
      std::to_string(static_cast<int>(timeout_seconds)) + " s (" +
      std::to_string(running.size()) + " of " +
      std::to_string(want < 0 ? wanted : want) + " running at the last look)" +
      (last_error.empty() ? "" : "; last task error: " + last_error));
}

double ConvergeTimeout(const json& resource) {
  const json& t = resource.value("converge_timeout", json());
  return t.is_number() ? t.get<double>() : kDefaultConvergeSeconds;
}

}  // namespace

Status DockerServiceProvider::Create(const ResourceRequest& request,
                                     ResourceObject* out) {
  const json& resource = request.config.value("resource", json::object());
  std::string endpoint = Text(resource, "endpoint");
  DockerClient client{DockerEndpoint{}};
  Status s = engines_.ClientFor(endpoint, &client);
  if (s.ok()) {
    s = EnsureImage(client, ImageReference(resource), Text(resource, "origin"),
                    options_.state_dir, &image_mu_);
  }
  json spec, created;
  if (s.ok()) s = ServiceSpec(request, ServiceName(resource, request.address),
                              &spec);
  if (s.ok()) s = CheckServiceFiles(JsonField(resource, "files"), request.address);
  if (s.ok()) s = AttachFiles(client, resource, request.tags, &spec);
  if (s.ok()) s = client.Call("POST", "/services/create", spec, &created);
  if (!s.ok()) {
    RemoveSwarmConfigs(client, SwarmConfigIds(spec));
    return s;
  }
  std::string service = created.value("ID", "");
  std::string id = engines_.MakeId(endpoint, service);
  s = WaitConverged(client, service,
                    Replicated(resource) ? Replicas(resource) : -1,
                    ConvergeTimeout(resource));
  if (!s.ok()) {
    out->id = id;  // recorded as tainted, replaced next time
    return s;
  }
  return Describe(client, service, id, out);
}

Status DockerServiceProvider::Describe(const DockerClient& client,
                                       const std::string& service,
                                       const std::string& id,
                                       ResourceObject* out) {
  json info, tasks;
  Status s = client.Call("GET", "/services/" + service, json(), &info);
  if (s.ok()) {
    s = client.Call("GET", "/tasks?filters=" + ServiceFilter(service, true),
                    json(), &tasks);
  }
  if (!s.ok()) return s;
  const json& spec = info.value("Spec", json::object());
  int running = 0;
  for (const json& t : tasks) {
    if (t.value("Status", json::object()).value("State", "") == "running") {
      ++running;
    }
  }
  out->id = id;
  out->tags = TagsFromLabels(spec.value("Labels", json::object()));
  out->outputs = {{"ip", "127.0.0.1"},
                  {"name", spec.value("Name", "")},
                  {"service_id", service},
                  {"running", running}};
  const json& mode = spec.value("Mode", json::object());
  if (mode.contains("Replicated")) {
    out->outputs["replicas"] = mode["Replicated"].value("Replicas", 0);
  }
  out->drift.clear();
  return Status::Ok();
}

Status DockerServiceProvider::Read(const std::string& id, ResourceObject* out) {
  DockerClient client{DockerEndpoint{}};
  std::string service;
  Status s = engines_.Locate(id, &client, &service);
  if (!s.ok()) return s;
  return Describe(client, service, id, out);
}

Status DockerServiceProvider::Import(const std::string& user_id, const json& config,
                                     ResourceObject* out, json* observed) {
  const json& resource = config.value("resource", json::object());
  std::string endpoint = Text(resource, "endpoint");
  DockerClient client{DockerEndpoint{}};
  Status s = engines_.ClientFor(endpoint, &client);
  json info;
  if (s.ok()) s = client.Call("GET", "/services/" + UrlEncode(user_id), json(), &info);
  if (s.IsNotFound() || (s.ok() && info.value("ID", "").empty())) {
    return Status::NotFound("no swarm service " + user_id + " on " +
                            (endpoint.empty() ? "the local Docker Engine" : endpoint));
  }
  std::string service = s.ok() ? info["ID"].get<std::string>() : "";
  if (s.ok()) s = Describe(client, service, engines_.MakeId(endpoint, service), out);
  if (!s.ok()) return s;
  *observed = config;
  const json& spec = info.value("Spec", json::object());
  const json& container =
      spec.value("TaskTemplate", json::object()).value("ContainerSpec", json::object());
  // The swarm pins an image to its digest: "busybox:1@sha256:…".
  std::string image = container.value("Image", "");
  image = image.substr(0, image.find('@'));
  if (image != ImageReference(resource)) {
    (*observed)["resource"]["image"] = image;
    (*observed)["resource"].erase("tag");
  }
  const json& context = config.value("contextualisation", json::object());
  const char* where = resource.contains("command") ? "resource" : "contextualisation";
  const json& command = resource.contains("command") ? resource["command"]
                        : context.is_object() ? context.value("command", json()) : json();
  // What the task runs: Command (occam sets it) followed by Args (where
  // `docker service create IMAGE CMD…` puts it).
  json running = container.value("Command", json::array());
  for (const json& arg : container.value("Args", json::array())) running.push_back(arg);
  std::vector<std::string> configured;
  if (!command.is_null() && ContainerCommand(command, &configured).ok() &&
      running != json(configured)) {
    (*observed)[where]["command"] = running;
  }
  const json& mode = spec.value("Mode", json::object());
  if (Replicated(resource) && mode.contains("Replicated")) {
    int replicas = mode["Replicated"].value("Replicas", 0);
    if (replicas != Replicas(resource)) (*observed)["resource"]["replicas"] = replicas;
  }
  return Status::Ok();
}

Status DockerServiceProvider::Update(const std::string& id,
                                     const ResourceRequest& request,
                                     ResourceObject* out) {
  const json& resource = request.config.value("resource", json::object());
  DockerClient client{DockerEndpoint{}};
  std::string service;
  Status s = engines_.Locate(id, &client, &service);
  json info;
  if (s.ok()) {
    s = EnsureImage(client, ImageReference(resource), Text(resource, "origin"),
                    options_.state_dir, &image_mu_);
  }
  if (s.ok()) s = client.Call("GET", "/services/" + service, json(), &info);
  if (!s.ok()) return s;
  std::string name = info.value("Spec", json::object()).value("Name", "");
  int64_t version = info.value("Version", json::object()).value("Index", 0);
  std::set<std::string> before = SwarmConfigIds(JsonField(info, "Spec"));
  json spec;
  s = ServiceSpec(request, name, &spec);
  if (s.ok()) s = CheckServiceFiles(JsonField(resource, "files"), request.address);
  if (s.ok()) s = AttachFiles(client, resource, request.tags, &spec);
  if (s.ok()) {
    s = client.Call("POST",
                    "/services/" + service + "/update?version=" +
                        std::to_string(version),
                    spec, nullptr);
  }
  if (s.ok()) {
    s = WaitConverged(client, service,
                      Replicated(resource) ? Replicas(resource) : -1,
                      ConvergeTimeout(resource));
  }
  if (!s.ok()) return s;
  // The tasks run on the new configs now; the old ones may go.
  for (const std::string& kept : SwarmConfigIds(spec)) before.erase(kept);
  RemoveSwarmConfigs(client, before);
  return Describe(client, service, id, out);
}

Status DockerServiceProvider::Delete(const std::string& id) {
  DockerClient client{DockerEndpoint{}};
  std::string service;
  Status s = engines_.Locate(id, &client, &service);
  if (!s.ok()) return s;
  json info;
  std::set<std::string> configs;
  if (client.Call("GET", "/services/" + service, json(), &info).ok()) {
    configs = SwarmConfigIds(JsonField(info, "Spec"));
  }
  s = client.Call("DELETE", "/services/" + service, json(), nullptr);
  if (!s.ok() && !s.IsNotFound()) return s;
  // The swarm stops the tasks afterwards; wait for their containers.
  std::string filter = UrlEncode(
      json{{"label", {"com.docker.swarm.service.id=" + service}}}.dump());
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (true) {
    json containers;
    s = client.Call("GET", "/containers/json?all=1&filters=" + filter, json(),
                    &containers);
    if (!s.ok()) return s;
    if (containers.empty()) {
      RemoveSwarmConfigs(client, configs);
      return Status::Ok();
    }
    if (Clock::now() > deadline) {
      return Status::Unavailable("service " + service + " was removed but " +
                                 std::to_string(containers.size()) +
                                 " of its containers remain after 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status DockerServiceProvider::FindByTags(const OwnershipTags& tags,
                                         std::vector<ResourceObject>* out) {
  out->clear();
  for (const std::string& endpoint : engines_.Known()) {
    DockerClient client{DockerEndpoint{}};
    Status s = engines_.ClientFor(endpoint, &client);
    json list;
    if (s.ok()) {
      s = client.Call("GET", "/services?filters=" + LabelFilter(tags), json(),
                      &list);
    }
    if (!s.ok()) return s;
    for (const json& svc : list) {
      ResourceObject o;
      o.id = engines_.MakeId(endpoint, svc.value("ID", ""));
      o.tags = TagsFromLabels(
          svc.value("Spec", json::object()).value("Labels", json::object()));
      out->push_back(std::move(o));
    }
  }
  return Status::Ok();
}

}  // namespace occam
