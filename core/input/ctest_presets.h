// CMake's test presets (CMakePresets.json, CMakeUserPresets.json and the
// files they include): what `mprun ctest --preset NAME` needs that ctest
// does not hand over. ctest itself selects the preset's tests and finds
// its build folder (runner/commands/ctest_command.cc); this reads the
// settings: execution, output, configuration and environment, with
// inheritance and macros resolved as CMake resolves them. Input from
// outside: every problem is an error naming the file or the preset.
#ifndef MPRUN_CORE_INPUT_CTEST_PRESETS_H_
#define MPRUN_CORE_INPUT_CTEST_PRESETS_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mprun::core {

struct CtestPreset {
  // ctest's options with the preset's settings, in the order given, to be
  // read before the command line's (which then win).
  std::vector<std::string> options;
  // The tests' environment: the configure preset's (unless
  // inheritConfigureEnvironment is false), then the test preset's; a
  // nullopt value unsets the variable.
  std::vector<std::pair<std::string, std::optional<std::string>>> environment;
  // The configure preset's binaryDir, macros expanded, made absolute.
  std::string binary_dir;
};

using PresetsReader = std::function<bool(const std::string& path, std::string* text)>;
using PresetsGetEnv = std::function<const char*(const char*)>;

// Reads test preset `name` from the presets files in `source_dir`
// (CMakePresets.json, then CMakeUserPresets.json, each optional, and the
// files they include), through `read` (false: the file does not exist).
// `getenv` answers $env{} and $penv{} for what the presets do not set.
bool ReadCtestPreset(const std::string& source_dir, const std::string& name,
                     const PresetsReader& read, const PresetsGetEnv& getenv, CtestPreset* out,
                     std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_CTEST_PRESETS_H_
