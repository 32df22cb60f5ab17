#include "planner/plan_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace occam {
namespace {

const char kFormat[] = "occam-plan";
constexpr int kVersion = 1;

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status WritePlanFile(const std::string& path, const Plan& plan) {
  nlohmann::json file = {{"format", kFormat},
                         {"version", kVersion},
                         {"plan", PlanToJson(plan)}};
  std::string data = file.dump(1) + "\n";
  // Write beside the target and rename over it: a reader sees the old file
  // or the whole new one.
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  }
  Status s = WriteAll(fd, data);
  if (s.ok() && fsync(fd) != 0) s = Status::IOError(std::strerror(errno));
  close(fd);
  if (s.ok() && rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::IOError(std::strerror(errno));
  }
  if (!s.ok()) {
    unlink(tmp.c_str());
    return Status::IOError("cannot write plan file " + path + ": " +
                           s.message());
  }
  return s;
}

Status ReadPlanFile(const std::string& path, Plan* plan) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read plan file " + path + ": " +
                            std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json file = nlohmann::json::parse(text.str(), nullptr, false);
  if (file.is_discarded() || !file.is_object() ||
      file.value("format", "") != kFormat) {
    return Status::InvalidArgument(path + " is not an occam plan file; make "
                                          "one with occam plan --out FILE");
  }
  if (file.value("version", 0) != kVersion) {
    return Status::InvalidArgument(
        path + " is a plan file of version " +
        std::to_string(file.value("version", 0)) + "; this occam reads version " +
        std::to_string(kVersion) + ". Plan again with this occam");
  }
  std::string error;
  if (!file.contains("plan") || !PlanFromJson(file["plan"], plan, &error)) {
    return Status::Corruption(path + " is a damaged plan file (" + error +
                              "); plan again");
  }
  return Status::Ok();
}

Status CheckPlanApplies(const Plan& plan, const StateSnapshot& state) {
  if (plan.lineage != state.lineage) {
    return Status::InvalidArgument(
        "Saved plan does not match the given state: it was made for state "
        "lineage " + plan.lineage + ", and this state's lineage is " +
        state.lineage + ". Plan again against this state");
  }
  if (plan.serial != state.serial) {
    return Status::InvalidArgument(
        "Saved plan is stale: the state changed after the plan was made "
        "(serial " + std::to_string(plan.serial) + ", now " +
        std::to_string(state.serial) + "). Plan again");
  }
  return Status::Ok();
}

}  // namespace occam
