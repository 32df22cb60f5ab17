// SHA-256 (FIPS 180-4), for content digests: a saved plan records the digest
// of the descriptor it was made from.
#pragma once

#include <string>
#include <string_view>

namespace occam {

class Sha256 {
 public:
  Sha256();
  void Update(std::string_view data);
  // The digest as 64 lowercase hex digits. Call once.
  std::string HexDigest();

 private:
  void Block(const unsigned char* p);

  unsigned int h_[8];
  unsigned char buffer_[64];
  size_t buffered_ = 0;
  unsigned long long length_ = 0;  // bytes
};

std::string Sha256Hex(std::string_view data);

}  // namespace occam
