// The dummy provider: objects that exist only in memory, with no side
// effects, for tests and benchmarks (Occopus names its test plugins the
// same). `delay: SECONDS` slows Create down; `fail: true` makes it fail.
#pragma once

#include <mutex>

#include "providers/provider.h"

namespace occam {

class DummyProvider : public Provider {
 public:
  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  Status Delete(const std::string& id) override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;

 private:
  std::mutex mu_;
  std::map<std::string, ResourceObject> objects_;  // by id
  // Ids this process deleted; any other id is taken to exist, since dummy
  // objects of an earlier run left no trace to check.
  std::map<std::string, bool> deleted_;
};

}  // namespace occam
