#include "apply/apply.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "base/json_fields.h"
#include "descriptor/instance_config.h"
#include "descriptor/instance_scope.h"
#include "planner/rollout.h"
#include "state/commit_queue.h"
#include "state/state_settings.h"

namespace occam {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Job {
  // kDeleteDeposed deletes the object a create-before-destroy replaced:
  // after the successor is ready, or as the plan's deposed change.
  enum class Kind { kCreate, kUpdate, kDelete, kDeleteDeposed };
  enum class Outcome { kPending, kRunning, kDone, kFailed, kSkipped };
  Kind kind = Kind::kCreate;
  const ResourceChange* change = nullptr;
  std::vector<int> dependents;
  int waiting = 0;  // unfinished jobs this one waits for
  Outcome outcome = Outcome::kPending;
  std::string blocked_by;  // the failed job that made this one skip
};

const char* OperationName(Job::Kind kind) {
  switch (kind) {
    case Job::Kind::kCreate:
      return "create";
    case Job::Kind::kUpdate:
      return "update";
    case Job::Kind::kDelete:
    case Job::Kind::kDeleteDeposed:
      return "delete";
  }
  return "";
}

// How a job ends: with `status`, once `record` is committed (when it is
// not empty).
struct JobEnd {
  JobEnd() = default;
  JobEnd(Status s) : status(std::move(s)) {}  // NOLINT: ends with no record
  Status status;
  StateChange record;
  bool deferred = false;  // a delete left draining (ApplyOptions::defer_drains)
};

// How progress lines name the job's object.
std::string JobAddress(const Job& job) {
  return job.kind == Job::Kind::kDeleteDeposed
             ? job.change->address + " (deposed)"
             : job.change->address;
}

// getip() and friends during apply: the addresses instances have now,
// without those the plan removes (a scale-down): a dependent rendered
// during this apply must not point at an instance on its way out.
class LiveAddressBook : public AddressBook {
 public:
  LiveAddressBook(const StateSnapshot& state, const std::set<std::string>& leaving)
      : state_(state), leaving_(leaving) {}

  TemplateValue Ip(const std::string& node, bool private_ip,
                   std::string*) const override {
    for (const ResourceInstance* r : state_.InstancesOf(node)) {
      if (r->status != InstanceStatus::kReady || leaving_.count(r->address)) continue;
      const json& out = r->outputs.value();
      const char* key = private_ip && out.contains("private_ip") ? "private_ip" : "ip";
      return TemplateValue::String(JsonString(out, key));
    }
    return TemplateValue::Unknown();
  }

  TemplateValue AllIps(const std::string& node, bool endpoints,
                       std::string*) const override {
    TemplateValue::List ips;
    for (const ResourceInstance* r : state_.InstancesOf(node)) {
      if (r->status != InstanceStatus::kReady || leaving_.count(r->address)) continue;
      const json& outputs = r->outputs.value();
      ips.push_back(TemplateValue::String(endpoints ? InstanceEndpoint(outputs)
                                                    : JsonString(outputs, "ip")));
    }
    return TemplateValue::FromList(std::move(ips));
  }

 private:
  const StateSnapshot& state_;
  const std::set<std::string>& leaving_;
};

class Applier {
 public:
  Applier(const Descriptor& descriptor, const Plan& plan, StateStore* store,
          ProviderRegistry* providers, HealthChecker* health,
          ApplyObserver* observer, const ApplyOptions& options)
      : descriptor_(descriptor), plan_(plan), store_(store),
        providers_(providers), health_(health), observer_(observer),
        options_(options) {}

  Status Run(ApplyResult* result);

 private:
  // Scheduling.
  // False when the jobs wait on each other in a cycle (none would start).
  bool BuildJobs(bool rollout_windows);
  bool Acyclic() const;
  void Worker();
  int NextJob();  // -1: no more work for this worker
  void RunJob(int job);
  // Reports how `job` ended and releases or skips its dependents.
  void Complete(int job, Clock::time_point start, const Status& status,
                bool deferred = false);
  // The provider's id of what `job` works on, as people see it; "" before
  // it exists.
  std::string DisplayedId(const Job& job);
  std::string DisplayedIdOf(const ResourceChange& c);
  bool Stopping() const;
  void Finish(int job, bool ok, const std::string& error, bool deferred);
  void SkipDependents(int job);

  // One job each.
  JobEnd Create(const ResourceChange& c);
  JobEnd Update(const ResourceChange& c);
  JobEnd Delete(const ResourceChange& c);
  // Before a scale-down's delete: the node type's drain period (requests
  // in flight finish; its dependents no longer send new ones).
  double DrainSecondsOf(const std::string& node) const;
  // Whether the delete of `address` may be left draining: nothing in the
  // plan waits for it.
  bool Deferrable(const std::string& address) const;
  void DrainFor(double seconds);
  // The update of an existing instance to `config`.
  JobEnd UpdateTo(const ResourceChange& c, const InstanceConfig& config);
  // During a rollout of `node`: its dependents that are ready and kept (an
  // update or no change planned) are rendered again from the instances
  // ready now and updated where that changes them, so that a load balancer
  // sends to a successor and no longer to an old object.
  // `*updated` counts the dependents it updated.
  Status Retarget(const std::string& node, int* updated = nullptr);
  // The rollout `c` is part of; null when none.
  const Rollout* RolloutOf(const ResourceChange& c) const;
  JobEnd DeleteDeposed(const ResourceChange& c);
  Status Configure(const ResourceChange& c, InstanceConfig* config);
  Provider* ProviderFor(const ResourceChange& c, Status* error);
  ResourceInstance Record(const ResourceChange& c, const InstanceConfig& config,
                          InstanceStatus status);
  // The instance at `address` as committed so far; false when none.
  bool Committed(const std::string& address, ResourceInstance* out) const;
  // The instance other than `address` whose object (or deposed object) of
  // `provider` is `id`; "" when none.
  // Records `id` as `address`'s.
  std::string HolderOf(const std::string& provider, const std::string& id,
                       const std::string& address);

  // Commits `change` and waits for it. A job's last commit does not wait:
  // RunJob queues it, and the job completes once it is committed.
  Status Commit(StateChange change);
  // Stops the apply when the state cannot be written.
  Status StateFailed(const Status& s);
  // `s` with where `node`'s resource is defined, for a failed create.
  Status AtDefinition(const Status& s, const std::string& node) const;
  void Emit(ApplyEvent event);

  const Descriptor& descriptor_;
  const Plan& plan_;
  StateStore* store_;
  ProviderRegistry* providers_;
  HealthChecker* health_;
  ApplyObserver* observer_;
  ApplyOptions options_;

  // Scheduler state.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> jobs_;
  std::deque<int> ready_;
  // Addresses the plan removes (not replaces): absent from what templates
  // see, and deleted only once their dependents are rebuilt without them.
  std::set<std::string> leaving_;
  std::map<std::string, const Rollout*> rollout_of_;  // replaced address ->
  std::set<std::string> deferrable_;  // deletes nothing waits for
  std::mutex retarget_mu_;  // one retarget at a time
  int unfinished_ = 0;
  Status state_error_;
  // Objects by "provider\nid": who holds each (HolderOf).
  std::mutex ids_mu_;
  std::map<std::string, std::string> ids_;
  bool ids_loaded_ = false;
  ApplyResult* result_ = nullptr;

  // Commits, batched across workers, and the state they made.
  std::unique_ptr<CommitQueue> queue_;
  std::mutex observer_mu_;
};

Status Applier::Run(ApplyResult* result) {
  result_ = result;
  StateSnapshot state;
  Status s = store_->Load(&state);
  if (!s.ok()) return s;
  // The counts the plan makes are the user's intent: record them first —
  // unless the state changed since the plan was made (occam serve decided
  // a new count meanwhile): that newer decision stands, and the next plan
  // carries it out.
  StateChange counts;
  if (options_.record_counts && state.serial == plan_.serial) {
    counts.set_desired = plan_.desired_counts;
    for (const auto& [node, count] : state.desired_counts) {
      if (!plan_.desired_counts.count(node)) {
        counts.clear_desired.push_back(node);
      }
    }
  }
  counts.set_settings = AppliedSettings(plan_);
  queue_ = std::make_unique<CommitQueue>(store_, std::move(state));
  queue_->set_hook([this](int n, bool written) {
    if (n == (written ? options_.crash_after_commit
                      : options_.crash_before_commit)) {
      kill(getpid(), SIGKILL);
    }
  });
  if (!counts.empty()) {
    s = Commit(std::move(counts));
    if (!s.ok()) return s;
  }

  if (!BuildJobs(true)) {
    // A rollout's pace met an order the plan needs (both ends of a
    // dependency replaced at once): the plan's order wins.
    jobs_.clear();
    ready_.clear();
    leaving_.clear();
    if (!BuildJobs(false)) {
      return Status::Internal("the plan's changes wait on each other in a cycle; "
                              "apply them in two steps (-target one node type first)");
    }
  }
  int threads = std::max(1, std::min<int>(options_.parallelism,
                                          static_cast<int>(jobs_.size())));
  std::vector<std::thread> workers;
  for (int i = 0; i < threads && !jobs_.empty(); ++i) {
    workers.emplace_back([this] { Worker(); });
  }
  for (std::thread& t : workers) t.join();

  for (Job& job : jobs_) {
    if (job.outcome == Job::Outcome::kPending) {
      job.outcome = Job::Outcome::kSkipped;
      result->skipped.push_back(job.change->address);
      Emit({ApplyEvent::Kind::kSkip, job.change->address,
            OperationName(job.kind), "", 0,
            !job.blocked_by.empty()
                ? "not started: it depends on " + job.blocked_by + ", which failed"
            : !state_error_.ok() ? "not started: the state could not be written"
                                 : "not started: occam was interrupted"});
    }
  }
  result->interrupted = options_.interrupted && options_.interrupted->load();
  Event event;
  event.kind = "apply";
  event.message = "apply: " + std::to_string(result->added) + " added, " +
                  std::to_string(result->changed) + " changed, " +
                  std::to_string(result->destroyed) + " destroyed" +
                  (result->ok() ? "" : ", " + std::to_string(result->failed.size()) +
                                           " failed");
  event.detail = {{"failed", result->failed}, {"skipped", result->skipped},
                  {"added", result->added}, {"changed", result->changed},
                  {"destroyed", result->destroyed}, {"by", options_.actor}};
  StateChange done;
  done.events.push_back(event);
  Status last = Commit(std::move(done));
  return state_error_.ok() ? last : state_error_;
}

bool Applier::BuildJobs(bool rollout_windows) {
  rollout_of_.clear();
  for (const Rollout& r : plan_.rollouts) {
    for (const std::string& address : r.order) rollout_of_[address] = &r;
  }
  // Jobs by node type, to wire dependencies without quadratic scans.
  std::map<std::string, std::vector<int>> creates, deletes;
  std::map<std::string, int> delete_of;   // address -> its delete job
  std::map<std::string, int> deposed_of;  // address -> the plan's deposed job
  std::map<std::string, int> cbd_create_of;  // address -> create-before-destroy
  // A replace's two jobs: the first and the last it makes.
  std::map<std::string, std::pair<int, int>> replace_jobs;
  for (const ResourceChange& c : plan_.changes) {
    auto add = [&](Job::Kind kind) {
      Job job;
      job.kind = kind;
      job.change = &c;
      jobs_.push_back(job);
      int id = static_cast<int>(jobs_.size()) - 1;
      (kind == Job::Kind::kCreate || kind == Job::Kind::kUpdate ? creates
                                                                : deletes)[c.node]
          .push_back(id);
      if (kind == Job::Kind::kDelete) delete_of[c.address] = id;
      if (kind == Job::Kind::kDeleteDeposed && !c.deposed.empty()) {
        deposed_of[c.address] = id;
      }
      if (kind == Job::Kind::kCreate && c.create_before_destroy) {
        cbd_create_of[c.address] = id;
      }
    };
    switch (c.action) {
      case ChangeAction::kNoOp:
        break;
      case ChangeAction::kCreate:
        add(Job::Kind::kCreate);
        break;
      case ChangeAction::kUpdate:
        add(Job::Kind::kUpdate);
        break;
      case ChangeAction::kDelete:
        add(c.deposed.empty() ? Job::Kind::kDelete : Job::Kind::kDeleteDeposed);
        // A destroy takes everything: nothing is left to stop sending to it.
        if (!plan_.destroy) leaving_.insert(c.address);
        break;
      case ChangeAction::kReplace:
        if (c.create_before_destroy) {
          add(Job::Kind::kCreate);
          add(Job::Kind::kDeleteDeposed);
        } else {
          add(Job::Kind::kDelete);
          add(Job::Kind::kCreate);
        }
        replace_jobs[c.address] = {static_cast<int>(jobs_.size()) - 2,
                                   static_cast<int>(jobs_.size()) - 1};
        break;
    }
  }
  auto wait = [&](int job, int on) {
    jobs_[on].dependents.push_back(job);
    ++jobs_[job].waiting;
  };
  // An old object a create-before-destroy replaces goes after its successor
  // and after the instances that depend on it are built or updated.
  auto after_successor = [&](int job, int successor) {
    wait(job, successor);
    // In a rollout the successor's job has pointed the dependents at it.
    if (rollout_of_.count(jobs_[job].change->address)) return;
    const std::string& node = jobs_[successor].change->node;
    for (const auto& [dependent, ids] : creates) {
      for (int other : ids) {
        const auto& deps = jobs_[other].change->dependencies;
        if (std::find(deps.begin(), deps.end(), node) != deps.end()) {
          wait(job, other);
        }
      }
    }
  };
  for (int j = 0; j < static_cast<int>(jobs_.size()); ++j) {
    const ResourceChange& c = *jobs_[j].change;
    auto cbd = cbd_create_of.find(c.address);
    auto deposed = deposed_of.find(c.address);
    if (jobs_[j].kind == Job::Kind::kDeleteDeposed) {
      if (cbd != cbd_create_of.end()) after_successor(j, cbd->second);
      // Two deletions of deposed objects at one address: one after the other.
      if (deposed != deposed_of.end() && deposed->second != j) {
        wait(j, deposed->second);
      }
    } else if (deposed != deposed_of.end() && cbd == cbd_create_of.end()) {
      // A deposed object left by an earlier apply goes first.
      wait(j, deposed->second);
    }
    if (jobs_[j].kind == Job::Kind::kDelete ||
        jobs_[j].kind == Job::Kind::kDeleteDeposed) {
      // Dependents go first: every delete of a node type built after this.
      // Not the old object a replaced dependent's successor deposes, for the
      // delete half of a replace: that successor waits for this one's.
      for (const auto& [node, ids] : deletes) {
        for (int other : ids) {
          const auto& deps = jobs_[other].change->dependencies;
          if (c.action == ChangeAction::kReplace &&
              jobs_[other].kind == Job::Kind::kDeleteDeposed &&
              jobs_[other].change->action == ChangeAction::kReplace) {
            continue;
          }
          if (other != j && std::find(deps.begin(), deps.end(), c.node) != deps.end()) {
            wait(j, other);
          }
        }
      }
      // An instance the plan removes goes once its dependents are rebuilt
      // or updated without it (a load balancer stops sending to it first).
      // Not the delete half of a replace: its dependents wait for its
      // successor, which waits for this delete.
      if (c.action == ChangeAction::kDelete) {
        for (const auto& [node, ids] : creates) {
          for (int other : ids) {
            const auto& deps = jobs_[other].change->dependencies;
            if (std::find(deps.begin(), deps.end(), c.node) != deps.end()) {
              wait(j, other);
            }
          }
        }
      }
      continue;
    }
    // The replaced object goes before its successor.
    auto self = delete_of.find(c.address);
    if (self != delete_of.end()) wait(j, self->second);
    for (const std::string& dep : c.dependencies) {
      for (int other : creates[dep]) wait(j, other);
    }
  }
  // A rollout's pace: a replace starts once the one `at_once` places
  // before it has finished.
  for (const Rollout& r : plan_.rollouts) {
    if (!rollout_windows) break;
    for (size_t i = static_cast<size_t>(r.at_once); i < r.order.size(); ++i) {
      auto later = replace_jobs.find(r.order[i]);
      auto earlier = replace_jobs.find(r.order[i - r.at_once]);
      if (later == replace_jobs.end() || earlier == replace_jobs.end()) continue;
      wait(later->second.first, earlier->second.second);
    }
  }
  unfinished_ = static_cast<int>(jobs_.size());
  deferrable_.clear();
  for (int j = 0; j < static_cast<int>(jobs_.size()); ++j) {
    if (jobs_[j].waiting == 0) ready_.push_back(j);
    if (jobs_[j].kind == Job::Kind::kDelete && jobs_[j].dependents.empty()) {
      deferrable_.insert(jobs_[j].change->address);
    }
  }
  return Acyclic();
}

bool Applier::Acyclic() const {
  // Kahn's algorithm over copies of the waiting counts.
  std::vector<int> waiting(jobs_.size());
  std::vector<int> free;
  for (size_t j = 0; j < jobs_.size(); ++j) {
    waiting[j] = jobs_[j].waiting;
    if (waiting[j] == 0) free.push_back(static_cast<int>(j));
  }
  size_t done = 0;
  while (!free.empty()) {
    int j = free.back();
    free.pop_back();
    ++done;
    for (int d : jobs_[j].dependents) {
      if (--waiting[d] == 0) free.push_back(d);
    }
  }
  return done == jobs_.size();
}

bool Applier::Stopping() const {
  return !state_error_.ok() ||
         (options_.interrupted && options_.interrupted->load());
}

void Applier::Worker() {
  for (int id = NextJob(); id >= 0; id = NextJob()) RunJob(id);
}

int Applier::NextJob() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return !ready_.empty() || unfinished_ == 0 || Stopping();
  });
  if (unfinished_ == 0 || Stopping() || ready_.empty()) {
    cv_.notify_all();
    return -1;
  }
  int id = ready_.front();
  ready_.pop_front();
  jobs_[id].outcome = Job::Outcome::kRunning;
  return id;
}

void Applier::RunJob(int id) {
  const Job& job = jobs_[id];
  const ResourceChange& c = *job.change;
  // What is deleted is known before it starts, as Terraform's apply_start
  // of a delete shows.
  std::string object_id;
  if (job.kind == Job::Kind::kDelete || job.kind == Job::Kind::kDeleteDeposed) {
    object_id = DisplayedId(job);
  }
  Emit({ApplyEvent::Kind::kStart, JobAddress(job), OperationName(job.kind),
        object_id, 0, ""});
  auto start = Clock::now();
  JobEnd end = job.kind == Job::Kind::kCreate   ? Create(c)
               : job.kind == Job::Kind::kUpdate ? Update(c)
               : job.kind == Job::Kind::kDelete ? Delete(c)
                                                : DeleteDeposed(c);
  if (end.record.empty()) {
    Complete(id, start, end.status, end.deferred);
    return;
  }
  // Not waiting for the commit lets this worker start its next job, and
  // lets that job's intent share a transaction with this record.
  queue_->CommitThen(std::move(end.record),
                     [this, id, start, status = end.status](const Status& s) {
                       Complete(id, start, s.ok() ? status : StateFailed(s));
                     });
}

std::string Applier::DisplayedId(const Job& job) {
  std::string object_id = job.kind == Job::Kind::kDeleteDeposed
                              ? job.change->deposed
                              : queue_->Inspect([&](const StateSnapshot& state) {
                                  auto it = state.instances.find(job.change->address);
                                  return it == state.instances.end()
                                             ? std::string()
                                             : it->second.provider_id;
                                });
  std::string unused;
  if (Provider* p = providers_->Find(job.change->provider, &unused)) {
    if (!object_id.empty()) object_id = p->DisplayId(object_id);
  }
  return object_id;
}

std::string Applier::DisplayedIdOf(const ResourceChange& c) {
  Job job;
  job.kind = Job::Kind::kUpdate;
  job.change = &c;
  return DisplayedId(job);
}

void Applier::Complete(int id, Clock::time_point start, const Status& s,
                       bool deferred) {
  const Job& job = jobs_[id];
  std::string address = JobAddress(job);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::string object_id = DisplayedId(job);
  Emit({s.ok() ? ApplyEvent::Kind::kComplete : ApplyEvent::Kind::kFail,
        address, OperationName(job.kind), object_id, seconds,
        s.ok() ? "" : s.message()});
  std::lock_guard<std::mutex> lock(mu_);
  // Named once: a provider's message may start with the address already.
  const std::string& m = s.message();
  Finish(id, s.ok(), m.rfind(address + ": ", 0) == 0 ? m : address + ": " + m, deferred);
}

void Applier::Finish(int id, bool ok, const std::string& error, bool deferred) {
  Job& job = jobs_[id];
  job.outcome = ok ? Job::Outcome::kDone : Job::Outcome::kFailed;
  --unfinished_;
  if (ok && deferred) {
    // Not destroyed yet: serve deletes it once drained.
  } else if (ok) {
    switch (job.kind) {
      case Job::Kind::kCreate:
        ++result_->added;
        break;
      case Job::Kind::kUpdate:
        ++result_->changed;
        break;
      case Job::Kind::kDelete:
      case Job::Kind::kDeleteDeposed:
        ++result_->destroyed;
        break;
    }
    for (int d : job.dependents) {
      if (--jobs_[d].waiting == 0 &&
          jobs_[d].outcome == Job::Outcome::kPending) {
        ready_.push_back(d);
        cv_.notify_one();  // one sleeping worker per new job, no stampede
      }
    }
  } else {
    result_->failed.push_back(error);
    SkipDependents(id);
  }
  if (unfinished_ == 0 || Stopping()) cv_.notify_all();
}

// Everything that waits, directly or not, on a failed job is not started;
// it is reported when the apply ends.
void Applier::SkipDependents(int id) {
  std::vector<int> stack = jobs_[id].dependents;
  while (!stack.empty()) {
    int d = stack.back();
    stack.pop_back();
    if (!jobs_[d].blocked_by.empty()) continue;
    jobs_[d].blocked_by = jobs_[id].change->address;
    --unfinished_;
    for (int next : jobs_[d].dependents) stack.push_back(next);
  }
}

Provider* Applier::ProviderFor(const ResourceChange& c, Status* error) {
  std::string why;
  Provider* p = providers_->Find(c.provider, &why);
  if (!p) *error = Status::InvalidArgument(why);
  return p;
}

// The configuration to give the provider: the plan's, with what it left
// unknown rendered now that the instances it names exist.
Status Applier::Configure(const ResourceChange& c, InstanceConfig* config) {
  if (c.after_unknown->empty()) {
    config->value = *c.after;
    config->sensitive = *c.after_sensitive;
    return Status::Ok();
  }
  int index = descriptor_.FindNode(c.node);
  if (index < 0) return Status::Internal("no node " + c.node);
  const NodeSpec& node = descriptor_.nodes[index];
  InfraIdentity infra{plan_.infra_id, descriptor_.infra_name,
                      descriptor_.user_id, descriptor_.NodeNames()};
  Diagnostics diags;
  queue_->Inspect([&](const StateSnapshot& state) {
    LiveAddressBook book(state, leaving_);
    RenderInstanceConfig(node, InstanceScope(infra, node, c.index, book),
                         config, &diags);
  });
  auto count = plan_.desired_counts.find(c.node);
  if (count != plan_.desired_counts.end()) {
    SetCountAttribute(node, count->second, &config->value);
  }
  if (!diags.empty()) return Status::InvalidArgument(diags.ToString());
  if (!config->unknown.empty()) {
    return Status::Unavailable("values are still unknown after the instances "
                               "it depends on were created: " +
                               config->unknown.dump());
  }
  return Status::Ok();
}

ResourceInstance Applier::Record(const ResourceChange& c,
                                 const InstanceConfig& config,
                                 InstanceStatus status) {
  ResourceInstance r;
  r.address = c.address;
  r.node = c.node;
  r.index = c.index;
  r.provider = c.provider;
  r.status = status;
  r.attributes = StoredJson(config.value);
  r.sensitive = StoredJson(config.sensitive);
  r.tags = MakeOwnershipTags(plan_.lineage, c.address);
  r.dependencies = c.dependencies;
  r.created_serial = -1;  // the serial of the commit that records it
  return r;
}

bool Applier::Committed(const std::string& address,
                        ResourceInstance* out) const {
  return queue_->Inspect([&](const StateSnapshot& state) {
    auto it = state.instances.find(address);
    if (it == state.instances.end()) return false;
    *out = it->second;
    return true;
  });
}

std::string Applier::HolderOf(const std::string& provider, const std::string& id,
                              const std::string& address) {
  if (id.empty()) return "";
  std::lock_guard<std::mutex> lock(ids_mu_);
  if (!ids_loaded_) {
    // Once per apply (a lookup per create must not scan the state).
    queue_->Inspect([&](const StateSnapshot& state) {
      for (const auto& [other, r] : state.instances) {
        for (const std::string& held : {r.provider_id, r.deposed}) {
          if (!held.empty()) ids_[r.provider + "\n" + held] = other;
        }
      }
      return true;
    });
    ids_loaded_ = true;
  }
  auto [it, added] = ids_.emplace(provider + "\n" + id, address);
  return added || it->second == address ? "" : it->second;
}

JobEnd Applier::Create(const ResourceChange& c) {
  Status s;
  Provider* provider = ProviderFor(c, &s);
  InstanceConfig config;
  if (provider) s = Configure(c, &config);
  if (!s.ok()) return {s};
  ResourceInstance r = Record(c, config, InstanceStatus::kCreating);
  ResourceInstance old;
  if (c.create_before_destroy && Committed(c.address, &old)) {
    // The old object stays until its successor is ready; the state keeps
    // its id so that no crash can orphan it.
    r.deposed = old.provider_id.empty() ? old.deposed : old.provider_id;
  }
  StateChange intent;
  intent.put.push_back(r);
  s = Commit(std::move(intent));
  if (!s.ok()) return {s};

  ResourceRequest request{c.address, config.value, r.tags, {}};
  if (!r.deposed.empty()) request.owned_ids.push_back(r.deposed);
  ResourceObject object;
  Status created = provider->Create(request, &object);
  if (!created.ok()) created = AtDefinition(created, c.node);
  std::string holder = created.ok() ? HolderOf(c.provider, object.id, c.address) : "";
  if (!holder.empty()) {
    // Not recorded as this instance's: replacing it would delete the
    // other instance's object.
    created = Status::Internal(
        c.address + ": the provider answered id " + object.id + ", which " + holder +
        " already has; two instances cannot share one object (a provider must "
        "give each object its own id)");
  } else if (created.ok()) {
    r.provider_id = object.id;
    r.outputs = StoredJson(object.outputs);
    // Gone is gone: other errors of Read (an engine's hiccup) do not fail
    // the wait.
    auto alive = [&] {
      ResourceObject now;
      Status read = provider->Read(object.id, &now);
      return read.IsNotFound() ? read : Status::Ok();
    };
    created = health_->WaitReady(
        HealthCheckSpec::FromConfig(config.value.value("health_check", json())),
        object.outputs, options_.interrupted, alive);
  }
  // A failed create, or one that never became healthy, is tainted: the next
  // plan replaces it.
  r.status = created.ok() ? InstanceStatus::kReady : InstanceStatus::kTainted;
  r.created_serial = -1;
  JobEnd end{created};
  end.record.put.push_back(std::move(r));
  if (!created.ok() || !RolloutOf(c)) return end;
  // A successor in a rollout: recorded ready now, so that its dependents
  // send to it before the rollout goes on.
  s = Commit(std::move(end.record));
  if (s.ok()) s = Retarget(c.node);
  return {s};
}

const Rollout* Applier::RolloutOf(const ResourceChange& c) const {
  if (c.action != ChangeAction::kReplace) return nullptr;
  auto it = rollout_of_.find(c.address);
  return it == rollout_of_.end() ? nullptr : it->second;
}

Status Applier::Retarget(const std::string& node, int* updated) {
  std::lock_guard<std::mutex> lock(retarget_mu_);
  if (updated) *updated = 0;
  for (const ResourceChange& d : plan_.changes) {
    if (d.action != ChangeAction::kNoOp && d.action != ChangeAction::kUpdate) continue;
    if (std::find(d.dependencies.begin(), d.dependencies.end(), node) ==
        d.dependencies.end()) {
      continue;
    }
    ResourceInstance now;
    if (!Committed(d.address, &now) || now.status != InstanceStatus::kReady) continue;
    InstanceConfig config;
    // Still unknown (another of its dependencies is not built yet): its
    // own job renders it later.
    if (!Configure(d, &config).ok() || config.value == now.attributes.value()) continue;
    Emit({ApplyEvent::Kind::kStart, d.address, "update", DisplayedIdOf(d), 0, ""});
    auto start = Clock::now();
    JobEnd end = UpdateTo(d, config);
    Status s = end.status;
    if (s.ok() && !end.record.empty()) s = Commit(std::move(end.record));
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    Emit({s.ok() ? ApplyEvent::Kind::kComplete : ApplyEvent::Kind::kFail, d.address,
          "update", DisplayedIdOf(d), seconds,
          s.ok() ? "" : d.address + ": " + s.message() + " (while the rollout of " + node +
                            " pointed it at the instances ready now)"});
    if (!s.ok()) return s.WithMessage(d.address + ": " + s.message());
    if (updated) ++*updated;
  }
  return Status::Ok();
}

Status Applier::AtDefinition(const Status& s, const std::string& node) const {
  int index = descriptor_.FindNode(node);
  if (index < 0) return s;
  std::string where = descriptor_.nodes[index].implementation.resource.mark().ToString();
  if (where.empty()) return s;
  return s.WithMessage(s.message() + " (resource defined at " + where + ")");
}

JobEnd Applier::Update(const ResourceChange& c) {
  Status s;
  Provider* provider = ProviderFor(c, &s);
  InstanceConfig config;
  if (provider) s = Configure(c, &config);
  if (!s.ok()) return {s};
  return UpdateTo(c, config);
}

JobEnd Applier::UpdateTo(const ResourceChange& c, const InstanceConfig& config) {
  Status s;
  Provider* provider = ProviderFor(c, &s);
  if (!provider) return {s};
  ResourceInstance r;
  if (!Committed(c.address, &r)) {
    return {Status::Internal("no state for " + c.address)};
  }
  ResourceObject object;
  s = provider->Update(r.provider_id,
                       {c.address, config.value,
                        MakeOwnershipTags(plan_.lineage, c.address), {}},
                       &object);
  if (!s.ok()) return {s};
  r.attributes = StoredJson(config.value);
  r.sensitive = StoredJson(config.sensitive);
  // What the provider reports now, over what it reported before (a process
  // reconfigured in place keeps its port and log).
  json outputs = r.outputs.value().is_object() ? r.outputs.value() : json::object();
  if (object.outputs.is_object()) outputs.update(object.outputs);
  r.outputs = StoredJson(std::move(outputs));
  JobEnd end;
  end.record.put.push_back(std::move(r));
  return end;
}

JobEnd Applier::Delete(const ResourceChange& c) {
  Status s;
  Provider* provider = ProviderFor(c, &s);
  if (!provider) return {s};
  ResourceInstance r;
  if (!Committed(c.address, &r)) return {};
  bool served = r.status == InstanceStatus::kReady;
  r.status = InstanceStatus::kDeleting;
  StateChange intent;
  intent.put.push_back(r);
  s = Commit(std::move(intent));
  if (!s.ok()) return {s};
  const Rollout* rollout = RolloutOf(c);
  if (rollout) {
    // Out of what its dependents render before it goes. One that never
    // became ready (a create a crash or a failure left) was in none of
    // them, and has nothing to drain.
    int updated = 0;
    s = Retarget(c.node, &updated);
    if (!s.ok()) return {s};
    if (served || updated > 0) DrainFor(rollout->drain_seconds);
  } else if (leaving_.count(c.address) && !options_.drained.count(c.address)) {
    double seconds = DrainSecondsOf(c.node);
    if (options_.defer_drains && seconds > 0 && Deferrable(c.address)) {
      std::lock_guard<std::mutex> lock(mu_);
      result_->draining.push_back({c.address, seconds});
      JobEnd end;
      end.deferred = true;
      return end;
    }
    DrainFor(seconds);
  }
  if (rollout || leaving_.count(c.address)) {
    // Stopped while draining: the object stays, the intent says so, and
    // the next apply deletes it.
    if (Stopping()) {
      return {Status::Unavailable(c.address + ": occam stopped while draining it; "
                                  "it still runs, and the next apply deletes it")};
    }
  }
  if (!r.provider_id.empty()) s = provider->Delete(r.provider_id);
  if (s.ok() && !r.deposed.empty()) s = provider->Delete(r.deposed);
  // Objects an interrupted create left behind carry the same tags.
  std::vector<ResourceObject> leftovers;
  provider->Expect(r.attributes.value());
  if (s.ok()) {
    s = provider->FindByTags(MakeOwnershipTags(plan_.lineage, c.address),
                             &leftovers);
  }
  for (const ResourceObject& o : leftovers) {
    if (s.ok()) s = provider->Delete(o.id);
  }
  if (!s.ok()) return {s};
  {
    // Its ids are free again (a provider may reuse one).
    std::lock_guard<std::mutex> lock(ids_mu_);
    ids_.erase(r.provider + "\n" + r.provider_id);
    ids_.erase(r.provider + "\n" + r.deposed);
  }
  JobEnd end;
  end.record.remove.push_back(c.address);
  return end;
}

double Applier::DrainSecondsOf(const std::string& node) const {
  int index = descriptor_.FindNode(node);
  if (index < 0) return 0;
  bool has_dependents = false;
  for (const DependencySpec& dep : descriptor_.dependencies) {
    has_dependents = has_dependents || dep.dependency == node;
  }
  return RolloutDrainSeconds(descriptor_.nodes[index], has_dependents);
}

bool Applier::Deferrable(const std::string& address) const {
  return deferrable_.count(address) > 0;
}

void Applier::DrainFor(double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until && !Stopping()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

JobEnd Applier::DeleteDeposed(const ResourceChange& c) {
  Status s;
  Provider* provider = ProviderFor(c, &s);
  if (!provider) return {s};
  ResourceInstance r;
  if (!Committed(c.address, &r)) return {};
  if (const Rollout* rollout = RolloutOf(c)) {
    // Its successor's job took it out of what the dependents render.
    DrainFor(rollout->drain_seconds);
    if (Stopping()) {
      return {Status::Unavailable(c.address + ": occam stopped while draining its old "
                                  "object; it still runs, and the next apply deletes it")};
    }
  }
  // The object the plan saw deposed, and the one the state names now
  // (a create-before-destroy of this apply may have deposed another).
  std::vector<std::string> ids;
  for (const std::string& id : {c.deposed, r.deposed}) {
    if (!id.empty() && id != r.provider_id &&
        std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  for (const std::string& id : ids) {
    if (s.ok()) s = provider->Delete(id);
  }
  // A crash during an earlier create-before-destroy may have left another
  // object with the instance's tags: all but the instance's own go.
  std::vector<ResourceObject> leftovers;
  provider->Expect(r.attributes.value());
  if (s.ok()) {
    s = provider->FindByTags(MakeOwnershipTags(plan_.lineage, c.address),
                             &leftovers);
  }
  for (const ResourceObject& o : leftovers) {
    if (s.ok() && o.id != r.provider_id) s = provider->Delete(o.id);
  }
  if (!s.ok() || r.deposed.empty()) return {s};
  r.deposed.clear();
  JobEnd end;
  end.record.put.push_back(std::move(r));
  return end;
}

Status Applier::Commit(StateChange change) {
  Status s = queue_->Commit(std::move(change));
  return s.ok() ? s : StateFailed(s);
}

Status Applier::StateFailed(const Status& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_error_.ok()) state_error_ = s;
  cv_.notify_all();
  return s;
}

void Applier::Emit(ApplyEvent event) {
  if (!observer_) return;
  std::lock_guard<std::mutex> lock(observer_mu_);
  observer_->OnEvent(event);
}

}  // namespace

std::map<std::string, std::string> AppliedSettings(const Plan& plan) {
  std::map<std::string, std::string> out;
  out[kLifecycleSetting] = plan.destroy ? "destroyed" : "active";
  // A destroy without a descriptor knows no configuration: keep the last.
  if (plan.descriptor_digest.empty()) return out;
  // Absolute: occam serve may run from another folder.
  auto absolute = [](const std::string& path) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
  };
  json files = json::array();
  for (const std::string& f : plan.var_files) files.push_back(absolute(f));
  out[kAppliedDigestSetting] = plan.descriptor_digest;
  out[kAppliedSourceSetting] =
      json({{"infra_file", absolute(plan.infra_file)},
            {"nodes_file", absolute(plan.nodes_file)},
            {"var_assignments", plan.var_assignments},
            {"var_files", files}})
          .dump();
  return out;
}

Status RecordApplied(StateStore* store, const Plan& plan) {
  StateChange change;
  change.set_settings = AppliedSettings(plan);
  int64_t serial = 0;
  return store->Commit(change, &serial);
}

Status ApplyPlan(const Descriptor& descriptor, const Plan& plan,
                 StateStore* store, ProviderRegistry* providers,
                 HealthChecker* health, ApplyObserver* observer,
                 const ApplyOptions& options, ApplyResult* result) {
  *result = ApplyResult();
  return Applier(descriptor, plan, store, providers, health, observer, options)
      .Run(result);
}

}  // namespace occam
