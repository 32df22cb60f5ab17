#include "cli/terraform_args.h"

#include <cctype>
#include <set>

#include "base/spelling.h"

namespace occam {
namespace {

void CollectLongNames(const CLI::App& app, std::set<std::string>* names) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& n : option->get_lnames()) names->insert(n);
  }
  for (const CLI::App* sub : app.get_subcommands({})) CollectLongNames(*sub, names);
}

}  // namespace

std::vector<std::string> TerraformSpellings(const CLI::App& app,
                                            std::vector<std::string> args) {
  std::set<std::string> names;
  CollectLongNames(app, &names);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--") break;
    // -f=infra.yaml, as Go's flag package reads it: CLI11 wants -f VALUE.
    if (a.size() > 3 && a[0] == '-' && std::isalpha(static_cast<unsigned char>(a[1])) &&
        a[2] == '=') {
      std::string value = a.substr(3);
      a.resize(2);
      args.insert(args.begin() + static_cast<long>(i) + 1, value);
      ++i;
      continue;
    }
    if (a.size() < 3 || a[0] != '-' || a[1] == '-' ||
        !std::isalpha(static_cast<unsigned char>(a[1]))) {
      continue;
    }
    std::string name = a.substr(1, a.find('=') - 1);
    if (names.count(name)) a = "-" + a;
  }
  return args;
}

bool TakeChdir(std::vector<std::string>* args, std::string* dir,
               std::string* error) {
  for (size_t i = 1; i < args->size(); ++i) {
    const std::string a = (*args)[i];
    if (a.empty() || a[0] != '-') return true;  // the subcommand: -chdir comes first
    std::string name = a.substr(0, a.find('='));
    if (name != "-chdir" && name != "--chdir") continue;
    size_t taken = 1;
    if (a.size() > name.size()) {
      *dir = a.substr(name.size() + 1);
    } else if (i + 1 < args->size()) {
      *dir = (*args)[i + 1];
      taken = 2;
    }
    if (dir->empty()) {
      *error = "-chdir needs a folder: occam -chdir=DIR COMMAND";
      return false;
    }
    args->erase(args->begin() + static_cast<long>(i),
                args->begin() + static_cast<long>(i + taken));
    return true;
  }
  return true;
}

std::string UnknownCommand(const CLI::App& app,
                           const std::vector<std::string>& args) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands({})) {
    commands.push_back(sub->get_name());
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] == '-') continue;
    for (const std::string& c : commands) {
      if (c == a) return "";
    }
    std::string hint = DidYouMean(a, commands);
    return "unknown command '" + a + "'" +
           (hint.empty() ? "; occam --help lists the commands" : hint);
  }
  return "";
}

}  // namespace occam
