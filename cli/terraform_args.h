// Terraform's command-line habits, mapped onto CLI11: single-dash long
// options (-json, -out=FILE, -lock=false), and a suggestion for a command
// that does not exist.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace occam {

// Rewrites "-name" and "-name=value" to "--name…" wherever `name` is a long
// option of `app` or one of its subcommands (Go's flag package accepts
// both, and so does Terraform), and "-f=VALUE" to "-f VALUE". Arguments
// after "--", other short options and negative numbers (scale app -1) are
// left as they are.
std::vector<std::string> TerraformSpellings(const CLI::App& app,
                                            std::vector<std::string> args);

// Terraform's global -chdir=DIR (also -chdir DIR, --chdir=DIR), given
// before the subcommand: removes it from `args` and sets `*dir`. Returns
// false, with `*error`, when DIR is missing.
bool TakeChdir(std::vector<std::string>* args, std::string* dir,
               std::string* error);

// "unknown command 'aply'; did you mean 'apply'?" when the first argument
// that is not an option names no subcommand; "" otherwise.
std::string UnknownCommand(const CLI::App& app,
                           const std::vector<std::string>& args);

}  // namespace occam
