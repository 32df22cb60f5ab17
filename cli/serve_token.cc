#include "cli/serve_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "base/uuid.h"

namespace occam {

// The token in `path`, or a new random one written there (mode 0600). A
// token file others may write, or anyone may read, is refused: whoever
// can change it can scale the infrastructure.
Status LoadOrMakeServeToken(const std::string& path, std::string* token) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (st.st_mode & 0026) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
      return Status::InvalidArgument(
          "the token file " + path + " may be read or written by other "
          "users (mode " + mode + "); run chmod 600 " + path +
          " (or 640 to share it with Alertmanager's group)");
    }
    std::ifstream in(path);
    std::getline(in, *token);
    // Editors and Windows tools leave white space and CR behind.
    size_t begin = token->find_first_not_of(" \t\r");
    size_t end = token->find_last_not_of(" \t\r");
    *token = begin == std::string::npos
                 ? ""
                 : token->substr(begin, end + 1 - begin);
    if (token->empty()) {
      return Status::InvalidArgument(
          "the token file " + path + " holds no token on its first line; "
          "write one, or delete the file and occam serve makes one");
    }
    return Status::Ok();
  }
  std::string uuid = NewUuid() + NewUuid();
  for (char c : uuid) {
    if (c != '-') *token += c;
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create token file " + path);
  std::string line = *token + "\n";
  bool ok = write(fd, line.data(), line.size()) ==
            static_cast<ssize_t>(line.size());
  close(fd);
  if (!ok) return Status::IOError("cannot write token file " + path);
  std::cerr << "occam serve: wrote a new token to " << path << "\n";
  return Status::Ok();
}

}  // namespace occam
