#include "state/sealed_secrets.h"

#include <sodium.h>

#include <vector>

#include "base/sensitive.h"

namespace occam {
namespace {

using nlohmann::json;

constexpr size_t kPrefixLen = sizeof(kSealedPrefix) - 1;
constexpr size_t kIdLen = 16;

std::string Child(const std::string& pointer, const std::string& key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string Seal(const json& value, const std::string& pointer,
                 const SecretKey& key) {
  std::string plain = value.dump();
  std::vector<unsigned char> box(
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plain.size() +
      crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned char* nonce = box.data();
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &len,
      Bytes(plain), plain.size(), Bytes(pointer), pointer.size(), nullptr,
      nonce, key.bytes.data());
  sodium_memzero(plain.data(), plain.size());
  std::string text(
      sodium_base64_ENCODED_LEN(box.size(), sodium_base64_VARIANT_ORIGINAL),
      '\0');
  sodium_bin2base64(text.data(), text.size(), box.data(), box.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);  // the terminating NUL
  return kSealedPrefix + key.id + ":" + text;
}

Status Open(const std::string& sealed, const std::string& pointer,
            const SecretKey& key, json* out) {
  std::string_view text = std::string_view(sealed).substr(kPrefixLen + kIdLen + 1);
  std::vector<unsigned char> box(text.size());
  size_t len = 0;
  const size_t overhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
                          crypto_aead_xchacha20poly1305_ietf_ABYTES;
  std::string plain;
  bool ok = sodium_base642bin(box.data(), box.size(), text.data(), text.size(),
                              nullptr, &len, nullptr,
                              sodium_base64_VARIANT_ORIGINAL) == 0 &&
            len >= overhead;
  if (ok) {
    plain.resize(len - overhead);
    unsigned long long plain_len = 0;
    ok = crypto_aead_xchacha20poly1305_ietf_decrypt(
             reinterpret_cast<unsigned char*>(plain.data()), &plain_len,
             nullptr, box.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
             len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
             Bytes(pointer), pointer.size(), box.data(),
             key.bytes.data()) == 0;
  }
  if (ok) *out = json::parse(plain, nullptr, /*allow_exceptions=*/false);
  sodium_memzero(plain.data(), plain.size());
  if (!ok || out->is_discarded()) {
    return Status::Corruption(
        "the secret at " + (pointer.empty() ? std::string("/") : pointer) +
        " does not open with key " + key.id +
        ": it was changed or moved after it was sealed");
  }
  return Status::Ok();
}

// A value and its sealed form, where SealAt may take a sealing from
// instead of sealing anew.
struct Reference {
  const json* plain = nullptr;
  const json* sealed = nullptr;

  Reference At(const std::string& key) const {
    if (!plain || !sealed || !plain->is_object() || !sealed->is_object() ||
        !plain->contains(key) || !sealed->contains(key)) {
      return {};
    }
    return {&plain->at(key), &sealed->at(key)};
  }
  Reference At(size_t i) const {
    if (!plain || !sealed || !plain->is_array() || !sealed->is_array() ||
        i >= plain->size() || i >= sealed->size()) {
      return {};
    }
    return {&(*plain)[i], &(*sealed)[i]};
  }
};

void SealAt(const json& mirror, const SecretKey& key,
            const std::string& pointer, Reference ref, json* value,
            int* sealed) {
  if (mirror.is_boolean()) {
    if (!mirror.get<bool>() || value->is_null() || IsSealed(*value)) return;
    bool same = ref.plain && *ref.plain == *value && IsSealed(*ref.sealed) &&
                SealedKeyId(*ref.sealed) == key.id;
    *value = same ? *ref.sealed : json(Seal(*value, pointer, key));
    ++*sealed;
    return;
  }
  if (mirror.is_object() && value->is_object()) {
    for (const auto& [k, m] : mirror.items()) {
      auto it = value->find(k);
      if (it != value->end()) {
        SealAt(m, key, Child(pointer, k), ref.At(k), &*it, sealed);
      }
    }
  } else if (mirror.is_array() && value->is_array()) {
    for (size_t i = 0; i < mirror.size() && i < value->size(); ++i) {
      SealAt(mirror[i], key, Child(pointer, std::to_string(i)), ref.At(i),
             &(*value)[i], sealed);
    }
  }
}

Status OpenAt(const SecretKeyring& ring, const std::string& pointer,
              json* value, std::set<std::string>* missing) {
  if (value->is_string()) {
    if (!IsSealed(*value)) return Status::Ok();
    std::string id = SealedKeyId(*value);
    const SecretKey* key = ring.Find(id);
    if (!key) {
      missing->insert(id);
      return Status::Ok();
    }
    json opened;
    Status s = Open(value->get_ref<const std::string&>(), pointer, *key, &opened);
    if (s.ok()) *value = std::move(opened);
    return s;
  }
  if (value->is_object()) {
    for (auto& [k, v] : value->items()) {
      Status s = OpenAt(ring, Child(pointer, k), &v, missing);
      if (!s.ok()) return s;
    }
  } else if (value->is_array()) {
    for (size_t i = 0; i < value->size(); ++i) {
      Status s = OpenAt(ring, Child(pointer, std::to_string(i)), &(*value)[i],
                        missing);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

int AssumeAt(const json* source, json* value) {
  if (IsSealed(*value)) {
    if (source) *value = *source;
    return 1;
  }
  int n = 0;
  if (value->is_object()) {
    for (auto& [k, v] : value->items()) {
      const json* s = nullptr;
      if (source && source->is_object()) {
        auto it = source->find(k);
        if (it != source->end()) s = &*it;
      }
      n += AssumeAt(s, &v);
    }
  } else if (value->is_array()) {
    for (size_t i = 0; i < value->size(); ++i) {
      const json* s = source && source->is_array() && i < source->size()
                          ? &(*source)[i]
                          : nullptr;
      n += AssumeAt(s, &(*value)[i]);
    }
  }
  return n;
}

}  // namespace

bool MayHoldSealed(std::string_view json_text) {
  return json_text.find(kSealedPrefix) != std::string_view::npos;
}

bool IsSealed(const json& value) {
  if (!value.is_string()) return false;
  const std::string& s = value.get_ref<const std::string&>();
  return s.size() > kPrefixLen + kIdLen + 1 &&
         s.compare(0, kPrefixLen, kSealedPrefix) == 0 &&
         s[kPrefixLen + kIdLen] == ':';
}

std::string SealedKeyId(const json& value) {
  if (!IsSealed(value)) return "";
  return value.get_ref<const std::string&>().substr(kPrefixLen, kIdLen);
}

int SealMarked(const json& mirror, const SecretKey& key, json* value) {
  int count = 0;
  SealAt(mirror, key, "", Reference(), value, &count);
  return count;
}

int SealMarkedLike(const json& mirror, const SecretKey& key,
                   const json& plain, const json& sealed, json* value) {
  int count = 0;
  SealAt(mirror, key, "", Reference{&plain, &sealed}, value, &count);
  return count;
}

int CountPlainMarked(const json& value, const json& mirror) {
  if (mirror.is_boolean()) {
    return mirror.get<bool>() && !value.is_null() && !IsSealed(value) ? 1 : 0;
  }
  int n = 0;
  if (mirror.is_object() && value.is_object()) {
    for (const auto& [k, m] : mirror.items()) {
      auto it = value.find(k);
      if (it != value.end()) n += CountPlainMarked(*it, m);
    }
  } else if (mirror.is_array() && value.is_array()) {
    for (size_t i = 0; i < mirror.size() && i < value.size(); ++i) {
      n += CountPlainMarked(value[i], mirror[i]);
    }
  }
  return n;
}

Status OpenSealed(const SecretKeyring& ring, json* value,
                  std::set<std::string>* missing) {
  return OpenAt(ring, "", value, missing);
}

json SecretAssignmentMarks(const json& assignments) {
  json marks = json::array();
  if (!assignments.is_array()) return marks;
  for (const json& a : assignments) {
    std::string text = a.is_string() ? a.get<std::string>() : "";
    marks.push_back(IsSensitiveName(text.substr(0, text.find('='))));
  }
  return marks;
}

int AssumeSealedUnchanged(const json& source, json* value) {
  return AssumeAt(&source, value);
}

}  // namespace occam
