#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace occam {

Status WriteFileAtomically(const std::string& path, const std::string& text,
                           mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  bool ok = write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace occam
