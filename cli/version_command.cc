// `occam version` (and -version, --version, -v): occam's version and
// platform, as `terraform version` prints them; `-json` as Terraform's
// {"terraform_version", "platform", "provider_selections", …}: where a
// Terraform version belongs, the release whose formats occam writes, and
// occam's own as occam_version; the built-in providers are selected at
// occam's version.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "providers/resource_schema.h"

namespace occam {
namespace {

std::string Platform() {
#if defined(__x86_64__)
  const char* arch = "amd64";
#elif defined(__aarch64__)
  const char* arch = "arm64";
#elif defined(__i386__)
  const char* arch = "386";
#else
  const char* arch = "unknown";
#endif
  return std::string("linux_") + arch;
}

int RunVersion(bool json) {
  if (!json) {
    std::cout << VersionText();
    return kExitOk;
  }
  nlohmann::json providers = nlohmann::json::object();
  for (const std::string& type : ResourceTypeNames()) providers[type] = kVersion;
  nlohmann::json out = {{"format_version", "1.0"},
                        {"terraform_version", kTerraformFormatsVersion},
                        {"occam_version", kVersion},
                        {"platform", Platform()},
                        {"provider_selections", providers},
                        {"terraform_outdated", false}};
  std::cout << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

std::string VersionText() {
  return std::string("occam v") + kVersion + "\non " + Platform() + "\n";
}

void RegisterVersionCommand(CLI::App* app, CommandList* commands) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app->add_subcommand("version", "Print occam's version");
  cmd->add_flag("--json", *json, "print the version as JSON");
  commands->push_back({cmd, [json] { return RunVersion(*json); }});
}

}  // namespace occam
