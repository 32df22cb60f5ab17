#include "planner/plan_file.h"

#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/json_fields.h"
#include "base/sha256.h"
#include "graph/dag.h"
#include "state/sealed_secrets.h"

namespace occam {
namespace {

const char kFormat[] = "occam-plan";
// Version 2 added the checksum; version 3 writes each distinct value once
// (PlanToJson). Version 2 files are still read.
constexpr int kVersion = 3;
constexpr int kOldestVersion = 2;
// A plan of 100,000 instances takes tens of MiB; parsing JSON costs several
// times its size in memory.
constexpr uintmax_t kMaxPlanFileBytes = uintmax_t{64} << 20;
// A plan of 100,000 instances has some 2.1 million; each costs up to
// ~100 bytes parsed.
constexpr size_t kMaxPlanElements = 8'000'000;
// Far deeper than occam writes (descriptors nest at most 200 levels).
constexpr int kMaxPlanDepth = 256;

// The checksum of a plan: SHA-256 of its canonical JSON text.
std::string Checksum(const nlohmann::json& plan) {
  return Sha256Hex(plan.dump());
}

// What is wrong with a plan read from a file, or "": apply must be able
// to trust that each instance appears once, with its own address, and
// that the node types' dependencies end (a type depending on itself made
// apply wait forever).
std::string Inconsistency(const Plan& plan) {
  std::set<std::pair<std::string, std::string>> seen;
  std::map<std::string, graph::VertexId> ids;
  auto id = [&](const std::string& node) {
    return ids.emplace(node, static_cast<graph::VertexId>(ids.size()))
        .first->second;
  };
  std::vector<std::pair<graph::VertexId, graph::VertexId>> edges;
  for (const ResourceChange& c : plan.changes) {
    if (c.node.empty() || c.index < 0 ||
        c.address != InstanceAddress(c.node, c.index)) {
      return "change " + c.address + " does not match node '" + c.node +
             "' and index " + std::to_string(c.index);
    }
    if (!seen.insert({c.address, c.deposed}).second) {
      return "instance " + c.address + " has more than one change";
    }
    for (const std::string& d : c.dependencies) edges.push_back({id(c.node), id(d)});
  }
  graph::Dag dag(static_cast<int>(ids.size()));
  for (auto [from, to] : edges) dag.AddEdge(from, to);
  if (!dag.FindCycle(std::less<graph::VertexId>()).empty()) {
    return "the dependencies of its node types form a cycle";
  }
  for (const auto& [node, count] : plan.desired_counts) {
    if (count < 0) {
      return "node type " + node + " has a negative count (" +
             std::to_string(count) + ")";
    }
  }
  return "";
}

// Seals what `body` (PlanToJson's) marks secret: the marked parts of each
// change's before and after, and secret -var assignments.
// A secret that a change leaves as it was is sealed once, in before and
// after alike, so that the plan shows what changed without the key.
void SealPlan(const SecretKey& key, nlohmann::json* body) {
  nlohmann::json& values = (*body)["values"];
  const nlohmann::json plain = values;
  auto index = [&](const nlohmann::json& change, const char* field) {
    const nlohmann::json& v = change.at(field);
    return v.is_number_integer() && v.get<size_t>() < plain.size()
               ? v.get<size_t>()
               : plain.size();
  };
  for (const nlohmann::json& change : (*body)["changes"]) {
    size_t before = index(change, "before"), after = index(change, "after");
    size_t before_marks = index(change, "before_sensitive"),
           after_marks = index(change, "after_sensitive");
    if (after < plain.size() && after_marks < plain.size() && after != after_marks) {
      SealMarked(plain[after_marks], key, &values[after]);
    }
    if (before < plain.size() && before_marks < plain.size() &&
        before != before_marks) {
      if (after < plain.size()) {
        SealMarkedLike(plain[before_marks], key, plain[after], values[after],
                       &values[before]);
      } else {
        SealMarked(plain[before_marks], key, &values[before]);
      }
    }
  }
  nlohmann::json& vars = (*body)["var_assignments"];
  SealMarked(SecretAssignmentMarks(vars), key, &vars);
}

// Opens what `keys` opens of a plan's sealed values; the ids of the keys
// it lacks go to `*missing`.
Status OpenPlan(const SecretKeyring& keys, nlohmann::json* body,
                std::set<std::string>* missing) {
  Status s;
  if (body->contains("values") && (*body)["values"].is_array()) {
    for (nlohmann::json& v : (*body)["values"]) {
      if (s.ok()) s = OpenSealed(keys, &v, missing);
    }
  }
  if (s.ok() && body->contains("var_assignments")) {
    s = OpenSealed(keys, &(*body)["var_assignments"], missing);
  }
  return s;
}

// The checks of ReadPlanFile on the parsed file; "" when it is a plan.
std::string FileProblem(nlohmann::json& file, const SecretKeyring& keys,
                        std::set<std::string>* missing, Plan* plan) {
  if (!file.contains("plan") || !file["plan"].is_object()) return "no plan";
  if (JsonString(file, "checksum") != Checksum(file["plan"])) {
    return "its checksum does not match its content: it was edited or "
           "damaged";
  }
  Status opened = OpenPlan(keys, &file["plan"], missing);
  if (!opened.ok()) return opened.message();
  std::string error;
  if (!PlanFromJson(file["plan"], plan, &error)) return error;
  return Inconsistency(*plan);
}

}  // namespace

Status WritePlanFile(const std::string& path, const Plan& plan,
                     const SecretKeyring& keys) {
  nlohmann::json body = PlanToJson(plan);
  if (keys.can_seal) SealPlan(keys.keys[0], &body);
  nlohmann::json file = {{"format", kFormat},
                         {"version", kVersion},
                         {"checksum", Checksum(body)},
                         {"plan", std::move(body)}};
  std::string data = file.dump(1) + "\n";
  // What ReadPlanFile would refuse is not written.
  if (data.size() > kMaxPlanFileBytes) {
    return Status::InvalidArgument(
        "the plan would take " + std::to_string(data.size() >> 20) +
        " MiB as a plan file, more than the " +
        std::to_string(kMaxPlanFileBytes >> 20) +
        " MiB occam reads back (its instances' configurations differ one "
        "from another); apply without a saved plan, or plan fewer instances");
  }
  // A reader sees the old file or the whole new one; a planted link at the
  // path is replaced, never followed.
  Status s = WriteFileAtomically(path, data, 0600);
  if (!s.ok()) return Status::IOError("cannot write plan file " + path + ": " + s.message());
  return s;
}

Status ReadPlanFile(const std::string& path, Plan* plan,
                    const SecretKeyring& keys, bool leave_sealed) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return Status::NotFound("cannot read plan file " + path + ": " +
                            std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode) ||
      static_cast<uintmax_t>(st.st_size) > kMaxPlanFileBytes) {
    return Status::InvalidArgument(
        path + " is not an occam plan file (" +
        (S_ISREG(st.st_mode) ? "larger than " +
                                   std::to_string(kMaxPlanFileBytes >> 20) +
                                   " MiB"
                             : std::string("not a regular file")) +
        "); make one with occam plan --out FILE");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read plan file " + path + ": " +
                            std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (JsonElementsMoreThan(text.str(), kMaxPlanElements)) {
    return Status::InvalidArgument(
        path + " is not an occam plan file (more than " +
        std::to_string(kMaxPlanElements) + " JSON values); make one with occam "
        "plan --out FILE");
  }
  if (JsonNestsDeeperThan(text.str(), kMaxPlanDepth)) {
    return Status::InvalidArgument(
        path + " is not an occam plan file (nested deeper than " +
        std::to_string(kMaxPlanDepth) + " levels); make one with occam plan "
        "--out FILE");
  }
  nlohmann::json file = nlohmann::json::parse(text.str(), nullptr, false);
  if (file.is_discarded() || !file.is_object() ||
      JsonString(file, "format") != kFormat) {
    return Status::InvalidArgument(path + " is not an occam plan file; make "
                                          "one with occam plan --out FILE");
  }
  int64_t version = JsonInt(file, "version");
  if (version < kOldestVersion || version > kVersion) {
    return Status::InvalidArgument(
        path + " is a plan file of version " +
        std::to_string(version) + "; this occam reads versions " +
        std::to_string(kOldestVersion) + " to " + std::to_string(kVersion) +
        ". Plan again with this occam");
  }
  std::set<std::string> missing;
  std::string problem = FileProblem(file, keys, &missing, plan);
  if (!problem.empty()) {
    return Status::Corruption(path + " is a damaged plan file (" + problem +
                              "); plan again");
  }
  if (!missing.empty() && !leave_sealed) {
    return Status::Unavailable(
        "the plan file " + path + " holds secrets sealed with key " +
        *missing.begin() + ", which was not given: give it as "
        "OCCAM_STATE_KEY (or with OCCAM_STATE_KEY_FILE or --state-key-file)");
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
