// A tar archive (POSIX ustar) of regular files, built in memory: how the
// docker providers put an instance's `files` into a container through the
// Engine's archive API (PUT /containers/ID/archive).
#pragma once

#include <string>

#include "base/status.h"

namespace occam {

class TarArchive {
 public:
  // Adds a regular file. `path` is relative ("etc/haproxy/haproxy.cfg"),
  // has no "." or ".." parts, and fits ustar's name and prefix fields
  // (255 bytes, no part longer than 100).
  Status AddFile(const std::string& path, const std::string& content,
                 int mode = 0644);
  // The archive: the files added, then the two zero blocks that end it.
  std::string Finish() const;

 private:
  std::string blocks_;
};

}  // namespace occam
