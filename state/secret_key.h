// The key that seals a state's secrets at rest (docs/state.md, "Secrets at
// rest"): 32 random bytes, written as base64 (or 64 hex digits), from
// OCCAM_STATE_KEY or a key file only its owner can read. Its id — a hash of
// the key, which says nothing of it — is stored beside what it sealed, so
// that a state can name the key it needs and a key can be rotated.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace occam {

struct SecretKey {
  std::array<unsigned char, 32> bytes{};
  std::string id;  // 16 hex digits

  SecretKey() = default;
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();
};

// Reads a key written as base64 (44 characters) or 64 hex digits; white
// space around it is ignored. `source` names where it came from, for the
// message ("OCCAM_STATE_KEY", a file's path); the text never appears in
// one.
Status ParseSecretKey(std::string_view text, const std::string& source,
                      SecretKey* out);

// Reads a key file, refusing one that its group or others may read
// (chmod 600), as ssh does with private keys.
Status ReadSecretKeyFile(const std::string& path, SecretKey* out);

// A new random key, in base64: what `occam state keygen` prints.
std::string NewSecretKeyText();

// The keys a command was given: any of them opens; the first seals when
// `can_seal` (the current key; an old one given for rekey only opens).
struct SecretKeyring {
  std::vector<SecretKey> keys;
  bool can_seal = false;

  bool empty() const { return keys.empty(); }
  const SecretKey* Find(std::string_view id) const;
};

// Fills `keys` from the environment and a key file: OCCAM_STATE_KEY, or
// the file `key_file` names (OCCAM_STATE_KEY_FILE when ""), first; then
// OCCAM_STATE_OLD_KEY / OCCAM_STATE_OLD_KEY_FILE, which only open (for
// `occam state rekey`).
Status LoadSecretKeyring(const std::string& key_file, SecretKeyring* keys);

}  // namespace occam
