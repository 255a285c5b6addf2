// CMake's presets files as any source folder may hold them: the input is
// CMakePresets.json, a NUL, then CMakeUserPresets.json (absent without the
// NUL); an include names either. Whatever the bytes, an answer: preset
// "ci" read, or a refusal that says why; a read preset's build folder is
// absolute and its environment's names are names setenv() takes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "core/input/ctest_presets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> files;
  const size_t nul = text.find('\0');
  files["/src/CMakePresets.json"] = text.substr(0, nul);
  if (nul != std::string::npos) files["/src/CMakeUserPresets.json"] = text.substr(nul + 1);
  mprun::core::CtestPreset preset;
  std::string err;
  const bool ok = mprun::core::ReadCtestPreset(
      "/src", "ci",
      [&files](const std::string& path, std::string* out) {
        const auto it = files.find(path);
        if (it == files.end()) return false;
        *out = it->second;
        return true;
      },
      [](const char* name) -> const char* { return name[0] == 'H' ? "/home" : nullptr; }, &preset,
      &err);
  if (!ok && err.empty()) std::abort();
  if (ok && (preset.binary_dir.empty() || preset.binary_dir[0] != '/')) std::abort();
  if (ok) {
    for (const auto& [name, value] : preset.environment) {
      if (name.empty() || name.find_first_of(std::string("=\0", 2)) != std::string::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
