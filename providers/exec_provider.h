// The exec provider: external providers in any language. For every
// operation occam runs the configured `program` with one JSON request on
// its standard input and reads one JSON answer from its standard output
// (docs/providers.md has the protocol; examples/exec-provider a sample).
#pragma once

#include "providers/provider.h"
#include "providers/run_program.h"

namespace occam {

// The answer a program gave (`what` names it in messages): a JSON object
// whose fields have the protocol's types, or an error saying what it gave.
Status ParseExecAnswer(const std::string& what, const ProgramResult& result,
                       nlohmann::json* answer);

class ExecProvider : public Provider {
 public:
  // `timeout_seconds` bounds each run of the program.
  explicit ExecProvider(double timeout_seconds = 300)
      : timeout_seconds_(timeout_seconds) {}

  Status Create(const ResourceRequest& request, ResourceObject* out) override;
  Status Read(const std::string& id, ResourceObject* out) override;
  Status Update(const std::string& id, const ResourceRequest& request,
                ResourceObject* out) override;
  Status Delete(const std::string& id) override;
  // The program's own id, without the program occam keeps before it.
  std::string DisplayId(const std::string& id) const override;
  Status FindByTags(const OwnershipTags& tags,
                    std::vector<ResourceObject>* out) override;

 private:
  // Runs the program of `config` with `request`; fills `*answer`.
  Status Call(const nlohmann::json& config, nlohmann::json request,
              nlohmann::json* answer);
  // The configuration an id was created with: read, delete and find need
  // the program, and ids carry it (see exec_provider.cc).
  static std::string MakeId(const nlohmann::json& program,
                            const std::string& id);
  static bool SplitId(const std::string& id, nlohmann::json* program,
                      std::string* inner);

  double timeout_seconds_;
  nlohmann::json last_program_;  // for FindByTags, which has no config
};

}  // namespace occam
