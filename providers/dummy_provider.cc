#include "providers/dummy_provider.h"

#include <chrono>
#include <thread>

#include "base/uuid.h"

namespace occam {
namespace {

const nlohmann::json& Resource(const ResourceRequest& r) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = r.config.find("resource");
  return it == r.config.end() ? kEmpty : *it;
}

}  // namespace

Status DummyProvider::Create(const ResourceRequest& request,
                             ResourceObject* out) {
  const nlohmann::json& resource = Resource(request);
  double delay = resource.value("delay", 0.0);
  if (delay > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
  if (resource.value("fail", false)) {
    return Status::Unavailable("dummy: creating " + request.address +
                               " failed, as configured (fail: true)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Unique across runs: an id is one object's for good.
  out->id = "dummy-" + NewUuid();
  out->outputs = {{"ip", "127.0.0.1"}};
  out->tags = request.tags;
  objects_[out->id] = *out;
  return Status::Ok();
}

Status DummyProvider::Read(const std::string& id, ResourceObject* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (deleted_.count(id)) return Status::NotFound("dummy object " + id);
  auto it = objects_.find(id);
  if (it != objects_.end()) {
    *out = it->second;
  } else {
    // An object of an earlier run: it exists, and what it reported then
    // (in the state) is all there is to know.
    out->id = id;
    out->outputs = nlohmann::json::object();
  }
  return Status::Ok();
}

Status DummyProvider::Update(const std::string& id,
                             const ResourceRequest& request,
                             ResourceObject* out) {
  if (Resource(request).value("fail", false)) {
    return Status::Unavailable("dummy: updating " + request.address +
                               " failed, as configured (fail: true)");
  }
  return Read(id, out);
}

Status DummyProvider::Delete(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_.erase(id);
  deleted_[id] = true;
  return Status::Ok();
}

Status DummyProvider::FindByTags(const OwnershipTags& tags,
                                 std::vector<ResourceObject>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->clear();
  for (const auto& [id, object] : objects_) {
    bool all = true;
    for (const auto& [k, v] : tags) {
      auto it = object.tags.find(k);
      all = all && it != object.tags.end() && it->second == v;
    }
    if (all) out->push_back(object);
  }
  return Status::Ok();
}

}  // namespace occam
