#include "state/secret_key.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace occam {
namespace {

constexpr char kIdContext[] = "occam state key id v1";

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string_view Trimmed(std::string_view s) {
  const char* space = " \t\r\n";
  size_t b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

bool Decode(std::string_view text, SecretKey* out) {
  size_t len = 0;
  if (text.size() == 64) {
    return sodium_hex2bin(out->bytes.data(), out->bytes.size(), text.data(),
                          text.size(), nullptr, &len, nullptr) == 0 &&
           len == out->bytes.size();
  }
  return sodium_base642bin(out->bytes.data(), out->bytes.size(), text.data(),
                           text.size(), nullptr, &len, nullptr,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
         len == out->bytes.size();
}

void SetId(SecretKey* key) {
  unsigned char hash[8];
  std::string input = std::string(kIdContext) +
                      std::string(key->bytes.begin(), key->bytes.end());
  crypto_generichash(hash, sizeof hash,
                     reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), nullptr, 0);
  sodium_memzero(input.data(), input.size());
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  key->id = hex;
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// One key from a variable holding it or one naming its file; none when
// neither is set.
Status KeyFrom(const char* var, const std::string& file,
               std::vector<SecretKey>* keys) {
  SecretKey key;
  Status s;
  if (const char* text = Env(var)) {
    s = ParseSecretKey(text, var, &key);
  } else if (!file.empty()) {
    s = ReadSecretKeyFile(file, &key);
  } else {
    return Status::Ok();
  }
  if (s.ok()) keys->push_back(key);
  return s;
}

}  // namespace

SecretKey::~SecretKey() { sodium_memzero(bytes.data(), bytes.size()); }

Status ParseSecretKey(std::string_view text, const std::string& source,
                      SecretKey* out) {
  if (!SodiumReady()) return Status::Internal("libsodium cannot start");
  if (!Decode(Trimmed(text), out)) {
    return Status::InvalidArgument(
        source + " is not a state key: a key is 32 bytes written as base64 "
                 "(44 characters) or 64 hex digits; make one with `occam "
                 "state keygen`");
  }
  SetId(out);
  return Status::Ok();
}

Status ReadSecretKeyFile(const std::string& path, SecretKey* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return Status::NotFound("cannot read the state key file " + path +
                            ": it does not exist");
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    return Status::InvalidArgument(
        "the state key file " + path +
        " may be read by others than its owner: run chmod 600 " + path);
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Status::IOError("cannot read the state key file " + path);
  std::string data = text.str();
  Status s = ParseSecretKey(data, "the state key file " + path, out);
  sodium_memzero(data.data(), data.size());
  return s;
}

std::string NewSecretKeyText() {
  if (!SodiumReady()) return "";
  unsigned char key[32];
  randombytes_buf(key, sizeof key);
  char text[sodium_base64_ENCODED_LEN(sizeof key,
                                      sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, key, sizeof key,
                    sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(key, sizeof key);
  return text;
}

const SecretKey* SecretKeyring::Find(std::string_view id) const {
  for (const SecretKey& k : keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Status LoadSecretKeyring(const std::string& key_file, SecretKeyring* ring) {
  *ring = SecretKeyring();
  const char* file_var = Env("OCCAM_STATE_KEY_FILE");
  std::string file = !key_file.empty() ? key_file : file_var ? file_var : "";
  Status s = KeyFrom("OCCAM_STATE_KEY", file, &ring->keys);
  ring->can_seal = !ring->keys.empty();
  const char* old_file = Env("OCCAM_STATE_OLD_KEY_FILE");
  if (s.ok()) {
    s = KeyFrom("OCCAM_STATE_OLD_KEY", old_file ? old_file : "", &ring->keys);
  }
  return s;
}

}  // namespace occam
