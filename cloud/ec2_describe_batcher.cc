#include "cloud/ec2_describe_batcher.h"

#include <algorithm>

namespace occam {

Status Ec2DescribeBatcher::Describe(const Ec2Client& client, const std::string& id,
                                    Ec2Instance* out, bool* found, Ec2Error* error) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!next_) next_ = std::make_shared<Round>();
  std::shared_ptr<Round> round = next_;
  round->ids.push_back(id);
  while (!round->done) {
    if (!in_flight_ && next_ == round) {
      // Lead this round: no more ids join it; later callers start the next.
      in_flight_ = true;
      next_.reset();
      ++calls_;
      lock.unlock();
      // EC2 takes up to 200 values a filter.
      std::vector<Ec2Instance> listed;
      Ec2Error e;
      Status s;
      for (size_t from = 0; s.ok() && from < round->ids.size(); from += 200) {
        std::vector<std::string> ids(
            round->ids.begin() + from,
            round->ids.begin() + std::min(round->ids.size(), from + 200));
        std::vector<Ec2Instance> part;
        s = client.DescribeInstances({{"instance-id", ids}}, &part, &e);
        listed.insert(listed.end(), part.begin(), part.end());
      }
      lock.lock();
      round->status = s;
      round->error = e;
      for (Ec2Instance& i : listed) round->instances[i.id] = std::move(i);
      round->done = true;
      in_flight_ = false;
      cv_.notify_all();
      break;
    }
    cv_.wait(lock);
  }
  if (error) *error = round->error;
  if (!round->status.ok()) return round->status;
  auto it = round->instances.find(id);
  *found = it != round->instances.end();
  if (*found) *out = it->second;
  return Status::Ok();
}

int Ec2DescribeBatcher::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

}  // namespace occam
