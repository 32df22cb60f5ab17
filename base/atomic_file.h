// Writing a file so that readers see the old content or the new, never a
// part: write a temporary beside it, fsync, rename over it.
#pragma once

#include <string>
#include <sys/types.h>

#include "base/status.h"

namespace occam {

// Replaces `path` with `text`; the file gets `mode` (before the umask)
// when it is created.
Status WriteFileAtomically(const std::string& path, const std::string& text,
                           mode_t mode = 0644);

}  // namespace occam
