// The state key's commands (docs/state.md, "Secrets at rest"):
// `occam state keygen` makes a key; `occam state rekey` seals every secret
// of the state under the key given now, opening those sealed under an old
// one (OCCAM_STATE_OLD_KEY) and sealing those stored in plain text, then
// rewrites the store so that the old texts do not remain in it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/command.h"
#include "cli/state_options.h"
#include "state/sealed_secrets.h"
#include "state/state_settings.h"

namespace occam {
namespace {

struct KeygenOptions {
  std::string out;
};

// A new key file: never over an existing file, never readable by others.
Status WriteKeyFile(const std::string& path, const std::string& key) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Status::IOError("cannot create the key file " + path + ": " +
                           std::strerror(errno) +
                           (errno == EEXIST ? " (occam never overwrites a key)"
                                            : ""));
  }
  std::string text = key + "\n";
  bool ok = write(fd, text.data(), text.size()) ==
            static_cast<ssize_t>(text.size());
  ok = fsync(fd) == 0 && ok;
  close(fd);
  return ok ? Status::Ok() : Status::IOError("cannot write the key file " + path);
}

int RunKeygen(const KeygenOptions& o) {
  std::string key = NewSecretKeyText();
  if (key.empty()) return ReportError(Status::Internal("libsodium cannot start"), std::cerr);
  if (o.out.empty()) {
    std::cout << key << "\n";
    return kExitOk;
  }
  Status s = WriteKeyFile(o.out, key);
  if (!s.ok()) return ReportError(s, std::cerr);
  std::cout << "Wrote a new state key to " << o.out
            << " (mode 0600). Keep a copy where the state's backups are "
               "not: without it, the state's secrets cannot be read.\n";
  return kExitOk;
}

struct RekeyOptions {
  StateOptions state;
  bool dry_run = false;
};

// How many values the state marks secret (all open, after a Load that
// could read them).
int SecretCount(const StateSnapshot& state) {
  int n = 0;
  for (const auto& [address, r] : state.instances) {
    n += CountPlainMarked(r.attributes.value(), r.sensitive.value());
  }
  return n;
}

Status Rekey(const RekeyOptions& o, const SecretKey& key, StateStore* store,
             StateSnapshot* state) {
  Status s = store->SecretsReadable();
  if (!s.ok()) return s;
  int secrets = SecretCount(*state);
  std::cout << (o.dry_run ? "Would seal " : "Sealing ") << secrets
            << " secret value(s) of " << state->instances.size()
            << " instance(s) with key " << key.id << ".\n";
  if (o.dry_run) return Status::Ok();
  StateChange change;
  for (const auto& [address, r] : state->instances) change.put.push_back(r);
  auto source = state->settings.find(kAppliedSourceSetting);
  if (source != state->settings.end()) {
    change.set_settings[source->first] = source->second;
  }
  Event e;
  e.kind = "rekey";
  e.message = "secrets sealed with key " + key.id;
  e.detail = {{"key", key.id}, {"secrets", secrets}};
  change.events.push_back(e);
  int64_t serial = 0;
  s = store->Commit(change, &serial);
  // What the commit replaced (plain text, or sealed under the old key) must
  // not stay readable in the store's free pages or old row versions.
  if (s.ok()) s = store->Compact();
  return s;
}

int RunRekey(const RekeyOptions& o) {
  SecretKeyring keys;
  Status s = StateKeys(o.state, &keys);
  if (s.ok() && !keys.can_seal) {
    s = Status::InvalidArgument(
        "occam state rekey seals the state's secrets with the key given as "
        "OCCAM_STATE_KEY (or OCCAM_STATE_KEY_FILE, --state-key-file); none "
        "was given. Make one with occam state keygen; give the key they are "
        "sealed with now, if any, as OCCAM_STATE_OLD_KEY");
  }
  if (!s.ok()) return ReportError(s, std::cerr);
  SecretKey key = keys.keys[0];
  s = WithLockedState(o.state, "rekey", [&](StateStore* store, StateSnapshot* state) {
    return Rekey(o, key, store, state);
  });
  if (!s.ok()) return ReportError(s, std::cerr);
  if (!o.dry_run) std::cout << "The state's secrets are sealed with key " << key.id << ".\n";
  return kExitOk;
}

}  // namespace

void RegisterStateKeyCommands(CLI::App* state, CommandList* commands) {
  auto keygen = std::make_shared<KeygenOptions>();
  CLI::App* keygen_cmd = state->add_subcommand(
      "keygen", "Make a key to seal the state's secrets with");
  keygen_cmd->add_option("--out", keygen->out,
                         "write it to this new file (mode 0600) instead of "
                         "printing it");
  commands->push_back({keygen_cmd, [keygen] { return RunKeygen(*keygen); }});

  auto rekey = std::make_shared<RekeyOptions>();
  CLI::App* rekey_cmd = state->add_subcommand(
      "rekey", "Seal the state's secrets with the key given now "
               "(OCCAM_STATE_KEY; the old one as OCCAM_STATE_OLD_KEY)");
  rekey_cmd->add_flag("--dry-run", rekey->dry_run, "say what would be sealed");
  AddStateOptions(rekey_cmd, &rekey->state, false);
  commands->push_back({rekey_cmd, [rekey] { return RunRekey(*rekey); }});
}

}  // namespace occam
