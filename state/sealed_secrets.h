// Secrets sealed inside JSON values. Each value that a sensitive mirror
// marks (`true`, as in Terraform's before_sensitive/after_sensitive) is
// replaced by one string,
//
//   occam:sealed:v1:KEYID:BASE64(nonce || ciphertext)
//
// the XChaCha20-Poly1305 (libsodium) sealing of the value's JSON text under
// the key KEYID names, with the value's JSON pointer as associated data: a
// sealed value copied to another place does not open there. What is not
// marked stays as it is, so that a state or a plan can be read and listed
// without the key.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "state/secret_key.h"

namespace occam {

inline constexpr char kSealedPrefix[] = "occam:sealed:v1:";

// True when `json_text` may hold a sealed value (a quick test on the text
// before parsing it).
bool MayHoldSealed(std::string_view json_text);
bool IsSealed(const nlohmann::json& value);
// The key id a sealed value names; "" when `value` is not one.
std::string SealedKeyId(const nlohmann::json& value);

// Seals, with `key`, every value `mirror` marks that is not sealed yet;
// returns how many it sealed.
int SealMarked(const nlohmann::json& mirror, const SecretKey& key,
               nlohmann::json* value);

// SealMarked, taking the sealing of a value equal to the one at the same
// place in `plain` from `sealed` (its sealed form) instead of sealing it
// anew: a plan's before and after then show which secrets changed.
int SealMarkedLike(const nlohmann::json& mirror, const SecretKey& key,
                   const nlohmann::json& plain, const nlohmann::json& sealed,
                   nlohmann::json* value);

// The number of values `mirror` marks that are still plain text.
int CountPlainMarked(const nlohmann::json& value, const nlohmann::json& mirror);

// Opens every sealed value in `value` whose key `ring` has. One whose key
// is missing stays sealed, its key id added to `*missing`; one that does
// not open with its key (changed, or moved) is Corruption.
Status OpenSealed(const SecretKeyring& ring, nlohmann::json* value,
                  std::set<std::string>* missing);

// The marks of a list of -var assignments ("db_password=…"): true for
// those whose variable's name is secret (base/sensitive.h).
nlohmann::json SecretAssignmentMarks(const nlohmann::json& assignments);

// For a plan made without the key: replaces each sealed value in `*value`
// by the value at the same place in `source` (what the descriptor renders
// now), so that it compares as unchanged. Returns how many sealed values
// it found.
int AssumeSealedUnchanged(const nlohmann::json& source, nlohmann::json* value);

}  // namespace occam
