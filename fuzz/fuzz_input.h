// Helpers shared by the fuzz targets: splitting one input into several
// files, and a private folder to write them to.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace occam::fuzz {

// The parts of `data` between lines "#####" (at most `parts`; missing
// parts are empty), so one input can stand for several files.
inline std::vector<std::string> SplitParts(const uint8_t* data, size_t size,
                                           size_t parts) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> out;
  const std::string_view separator = "\n#####\n";
  while (out.size() + 1 < parts) {
    size_t at = text.find(separator);
    if (at == std::string_view::npos) break;
    out.emplace_back(text.substr(0, at));
    text.remove_prefix(at + separator.size());
  }
  out.emplace_back(text);
  out.resize(parts);
  return out;
}

// A folder of this process's own under $TMPDIR, made once.
inline const std::filesystem::path& WorkDir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() /
                              ("occam-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::string WriteFile(const std::string& name, const std::string& text) {
  std::filesystem::path p = WorkDir() / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  return p.string();
}

}  // namespace occam::fuzz
