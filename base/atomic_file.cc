#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace occam {
namespace {

mode_t Umask() {
  mode_t mask = umask(0);
  umask(mask);
  return mask;
}

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& text,
                           mode_t mode) {
  // NAME.XXXXXX.tmp beside the target: mkostemps creates it with O_EXCL
  // and mode 0600.
  std::string pattern = path + ".XXXXXX.tmp";
  std::vector<char> tmp(pattern.begin(), pattern.end());
  tmp.push_back('\0');
  int fd = mkostemps(tmp.data(), 4, O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  int error = 0;
  if (fchmod(fd, mode & ~Umask()) != 0 || !WriteAll(fd, text) || fsync(fd) != 0) {
    error = errno;
  }
  if (close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(tmp.data(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    unlink(tmp.data());
    return Status::IOError("cannot write " + path + ": " +
                           std::strerror(error == 0 ? EIO : error));
  }
  return Status::Ok();
}

}  // namespace occam
