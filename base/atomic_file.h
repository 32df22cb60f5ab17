// Writing a file so that readers see the old content or the new, never a
// part, and so that no planted symbolic link can redirect the write: a
// temporary file with a unique name is created beside the target (O_EXCL,
// which never follows a link), written, fsynced and renamed over the
// target (rename replaces a link at the target instead of following it).
// Every file occam writes goes through here.
#pragma once

#include <string>
#include <sys/types.h>

#include "base/status.h"

namespace occam {

// Replaces `path` with `text`; the file gets `mode` (less the umask).
Status WriteFileAtomically(const std::string& path, const std::string& text,
                           mode_t mode = 0644);

}  // namespace occam
