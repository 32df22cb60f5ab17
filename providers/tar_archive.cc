#include "providers/tar_archive.h"

#include <cstdio>
#include <cstring>

namespace occam {
namespace {

constexpr size_t kBlock = 512;

// Writes `value` as `width - 1` octal digits and a NUL into `field`.
void Octal(char* field, size_t width, unsigned long long value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

Status CheckPath(const std::string& path) {
  if (path.empty() || path[0] == '/') {
    return Status::InvalidArgument("tar: '" + path + "' is not a relative path");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument("tar: '" + path +
                                     "' has an empty, '.' or '..' part");
    }
    start = end + 1;
  }
  if (path.find('\0') != std::string::npos) {
    return Status::InvalidArgument("tar: a path holds a NUL byte");
  }
  return Status::Ok();
}

// Splits `path` into ustar's prefix (≤ 155) and name (≤ 100) at a '/'.
bool SplitName(const std::string& path, std::string* prefix,
               std::string* name) {
  if (path.size() <= 100) {
    prefix->clear();
    *name = path;
    return true;
  }
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    if (slash <= 155 && path.size() - slash - 1 <= 100) {
      *prefix = path.substr(0, slash);
      *name = path.substr(slash + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

Status TarArchive::AddFile(const std::string& path, const std::string& content,
                           int mode) {
  Status s = CheckPath(path);
  if (!s.ok()) return s;
  std::string prefix, name;
  if (!SplitName(path, &prefix, &name)) {
    return Status::InvalidArgument("tar: '" + path + "' is too long for ustar");
  }
  char header[kBlock] = {};
  std::memcpy(header, name.data(), name.size());
  Octal(header + 100, 8, static_cast<unsigned>(mode) & 07777);
  Octal(header + 108, 8, 0);  // uid
  Octal(header + 116, 8, 0);  // gid
  Octal(header + 124, 12, content.size());
  Octal(header + 136, 12, 0);  // mtime
  std::memset(header + 148, ' ', 8);
  header[156] = '0';  // a regular file
  std::memcpy(header + 257, "ustar", 6);
  std::memcpy(header + 263, "00", 2);
  std::memcpy(header + 345, prefix.data(), prefix.size());
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);  // six digits, NUL, space
  header[155] = ' ';
  blocks_.append(header, kBlock);
  blocks_ += content;
  blocks_.append((kBlock - content.size() % kBlock) % kBlock, '\0');
  return Status::Ok();
}

std::string TarArchive::Finish() const {
  return blocks_ + std::string(2 * kBlock, '\0');
}

}  // namespace occam
