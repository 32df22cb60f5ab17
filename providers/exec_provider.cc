#include "providers/exec_provider.h"

#include "base/utf8.h"
#include "providers/run_program.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr int kProtocol = 1;
// An answer is a small JSON object; a program writing more is broken.
constexpr size_t kMaxAnswerBytes = size_t{4} << 20;

// Some of what a program wrote, for a message: at most `max` bytes, as
// UTF-8 (a message ends up in the state's JSON).
std::string Excerpt(const std::string& text, size_t max) {
  return Latin1WhereInvalidUtf8(std::string_view(text).substr(0, max));
}

std::vector<std::string> Argv(const json& program) {
  if (program.is_string()) return {"/bin/sh", "-c", program.get<std::string>()};
  std::vector<std::string> argv;
  for (const json& a : program) argv.push_back(a.is_string() ? a.get<std::string>() : a.dump());
  return argv;
}

// The object an answer describes; false when a field has the wrong type.
bool ObjectFrom(const json& j, ResourceObject* o) {
  if (j.contains("id") && !j["id"].is_string()) return false;
  if (j.contains("outputs") && !j["outputs"].is_object()) return false;
  if (j.contains("tags") && !j["tags"].is_object()) return false;
  o->id = j.value("id", "");
  o->outputs = j.value("outputs", json::object());
  o->tags.clear();
  json tags = j.value("tags", json::object());
  for (const auto& [k, v] : tags.items()) {
    if (v.is_string()) o->tags[k] = v.get<std::string>();
  }
  return true;
}

}  // namespace

// Ids handed to occam carry the program that made them (as JSON before a
// newline), since read and delete are called with the id alone.
std::string ExecProvider::MakeId(const json& program, const std::string& id) {
  return program.dump() + "\n" + id;
}

std::string ExecProvider::DisplayId(const std::string& id) const {
  return id.substr(id.find('\n') + 1);  // npos + 1 == 0: the whole id
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
                        &result, kMaxAnswerBytes);
  if (!s.ok()) return s;
  return ParseExecAnswer("exec provider " + Argv(program).back(), result,
                         answer);
}

Status ParseExecAnswer(const std::string& what, const ProgramResult& result,
                       json* answer) {
  *answer = json::parse(result.out, nullptr, false);
  if (answer->is_object() && answer->contains("error")) {
    return Status::Unavailable(what + ": " + (*answer)["error"].dump());
  }
  if (result.exit_code != 0) {
    return Status::Unavailable(what + " exited with status " +
                               std::to_string(result.exit_code) + ": " +
                               Excerpt(result.err, 2000));
  }
  if (!answer->is_object()) {
    return Status::Unavailable(what + " did not answer with a JSON object "
                               "in UTF-8: " + Excerpt(result.out, 200));
  }
  ResourceObject ignored;
  if (!ObjectFrom(*answer, &ignored) ||
      (answer->contains("exists") && !(*answer)["exists"].is_boolean())) {
    return Status::Unavailable(what + " answered fields of the wrong type "
                               "(id: string, outputs and tags: objects, "
                               "exists: boolean): " + Excerpt(result.out, 200));
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
  ObjectFrom(answer, out);
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
  ObjectFrom(answer, out);
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
  ObjectFrom(answer, out);
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
  json objects = answer.value("objects", json::array());
  if (!objects.is_array()) {
    return Status::Unavailable("exec provider answered find with objects "
                               "that are not a list");
  }
  for (const json& o : objects) {
    ResourceObject object;
    if (!o.is_object() || !ObjectFrom(o, &object)) {
      return Status::Unavailable("exec provider answered find with an object "
                                 "whose fields have the wrong type");
    }
    object.id = MakeId(last_program_, object.id);
    out->push_back(object);
  }
  return Status::Ok();
}

}  // namespace occam
