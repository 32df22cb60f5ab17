#include "providers/exec_provider.h"

#include "providers/run_program.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr int kProtocol = 1;

std::vector<std::string> Argv(const json& program) {
  if (program.is_string()) return {"/bin/sh", "-c", program.get<std::string>()};
  std::vector<std::string> argv;
  for (const json& a : program) argv.push_back(a.is_string() ? a.get<std::string>() : a.dump());
  return argv;
}

ResourceObject ObjectFrom(const json& j) {
  ResourceObject o;
  o.id = j.value("id", "");
  o.outputs = j.value("outputs", json::object());
  if (j.contains("tags") && j["tags"].is_object()) {
    for (const auto& [k, v] : j["tags"].items()) {
      if (v.is_string()) o.tags[k] = v.get<std::string>();
    }
  }
  return o;
}

}  // namespace

// Ids handed to occam carry the program that made them (as JSON before a
// newline), since read and delete are called with the id alone.
std::string ExecProvider::MakeId(const json& program, const std::string& id) {
  return program.dump() + "\n" + id;
}

bool ExecProvider::SplitId(const std::string& id, json* program,
                           std::string* inner) {
  size_t nl = id.find('\n');
  if (nl == std::string::npos) return false;
  *program = json::parse(id.substr(0, nl), nullptr, false);
  *inner = id.substr(nl + 1);
  return !program->is_discarded();
}

Status ExecProvider::Call(const json& program, json request, json* answer) {
  if (!program.is_string() && !(program.is_array() && !program.empty())) {
    return Status::InvalidArgument("exec provider needs a program");
  }
  request["protocol"] = kProtocol;
  ProgramResult result;
  Status s = RunProgram(Argv(program), request.dump() + "\n", timeout_seconds_,
                        &result);
  if (!s.ok()) return s;
  std::string what = "exec provider " + Argv(program).back();
  *answer = json::parse(result.out, nullptr, false);
  if (answer->is_object() && answer->contains("error")) {
    return Status::Unavailable(what + ": " + (*answer)["error"].dump());
  }
  if (result.exit_code != 0) {
    return Status::Unavailable(what + " exited with status " +
                               std::to_string(result.exit_code) + ": " +
                               result.err.substr(0, 2000));
  }
  if (!answer->is_object()) {
    return Status::Unavailable(what + " did not answer with a JSON object: " +
                               result.out.substr(0, 200));
  }
  return Status::Ok();
}

Status ExecProvider::Create(const ResourceRequest& request,
                            ResourceObject* out) {
  json program = request.config["resource"].value("program", json());
  json answer;
  Status s = Call(program,
                  {{"operation", "create"},
                   {"address", request.address},
                   {"config", request.config},
                   {"tags", request.tags}},
                  &answer);
  if (!s.ok()) return s;
  *out = ObjectFrom(answer);
  if (out->id.empty()) {
    return Status::Unavailable("exec provider answered create without an id");
  }
  out->id = MakeId(program, out->id);
  last_program_ = program;
  return Status::Ok();
}

Status ExecProvider::Read(const std::string& id, ResourceObject* out) {
  json program, answer;
  std::string inner;
  if (!SplitId(id, &program, &inner)) return Status::NotFound("bad id " + id);
  Status s = Call(program, {{"operation", "read"}, {"id", inner}}, &answer);
  if (!s.ok()) return s;
  if (!answer.value("exists", true)) return Status::NotFound(inner + " is gone");
  *out = ObjectFrom(answer);
  out->id = id;
  return Status::Ok();
}

Status ExecProvider::Update(const std::string& id,
                            const ResourceRequest& request,
                            ResourceObject* out) {
  json program, answer;
  std::string inner;
  if (!SplitId(id, &program, &inner)) return Status::NotFound("bad id " + id);
  Status s = Call(program,
                  {{"operation", "update"},
                   {"id", inner},
                   {"address", request.address},
                   {"config", request.config},
                   {"tags", request.tags}},
                  &answer);
  if (!s.ok()) return s;
  *out = ObjectFrom(answer);
  out->id = id;
  return Status::Ok();
}

Status ExecProvider::Delete(const std::string& id) {
  json program, answer;
  std::string inner;
  if (!SplitId(id, &program, &inner)) return Status::Ok();
  return Call(program, {{"operation", "delete"}, {"id", inner}}, &answer);
}

Status ExecProvider::FindByTags(const OwnershipTags& tags,
                                std::vector<ResourceObject>* out) {
  out->clear();
  if (last_program_.is_null()) return Status::Ok();
  json answer;
  Status s = Call(last_program_, {{"operation", "find"}, {"tags", tags}},
                  &answer);
  if (!s.ok()) return s;
  for (const json& o : answer.value("objects", json::array())) {
    ResourceObject object = ObjectFrom(o);
    object.id = MakeId(last_program_, object.id);
    out->push_back(object);
  }
  return Status::Ok();
}

}  // namespace occam
