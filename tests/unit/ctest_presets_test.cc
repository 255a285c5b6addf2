// CMake's test presets as mprun ctest reads them: inheritance merged field
// by field, macros, environment, includes, and bad input named.
#include "core/input/ctest_presets.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace mprun::core {
namespace {

struct Read {
  bool ok = false;
  CtestPreset preset;
  std::string err;
};

// `files` by path under /src; $HOME is /home/me.
Read Preset(const std::map<std::string, std::string>& files, const std::string& name) {
  Read r;
  r.ok = ReadCtestPreset(
      "/src", name,
      [&files](const std::string& path, std::string* text) {
        const auto it = files.find(path);
        if (it == files.end()) return false;
        *text = it->second;
        return true;
      },
      [](const char* var) -> const char* {
        return std::string(var) == "HOME" ? "/home/me" : nullptr;
      },
      &r.preset, &r.err);
  return r;
}

const char kPresets[] = R"({
  "version": 6,
  "configurePresets": [
    {"name": "base", "hidden": true, "generator": "Ninja",
     "binaryDir": "${sourceDir}/build/${presetName}",
     "environment": {"FROM_CONFIGURE": "c", "SHARED": "configure"}},
    {"name": "dev", "inherits": "base"}
  ],
  "testPresets": [
    {"name": "common", "hidden": true, "configurePreset": "dev",
     "execution": {"jobs": 3, "timeout": 60, "noTestsAction": "error"},
     "output": {"outputOnFailure": true, "verbosity": "verbose"},
     "environment": {"SHARED": "common", "GONE": "x"}},
    {"name": "other", "hidden": true, "configurePreset": "dev",
     "execution": {"jobs": 9, "stopOnFailure": true}, "configuration": "Release"},
    {"name": "ci", "inherits": ["common", "other"],
     "execution": {"timeout": 30, "repeat": {"mode": "until-pass", "count": 2}},
     "output": {"outputLogFile": "${sourceDir}/log-${presetName}.txt", "labelSummary": false},
     "environment": {"GONE": null, "HOME_TOO": "$env{HOME}/$penv{HOME}${dollar}",
                     "CHAIN": "[$env{SHARED}]"}}
  ]
})";

TEST(CtestPresetsTest, InheritsFieldByFieldEarlierParentsFirstWithMacrosExpanded) {
  const Read r = Preset({{"/src/CMakePresets.json", kPresets}}, "ci");
  ASSERT_TRUE(r.ok) << r.err;
  // Its own timeout; jobs from "common" (the first parent), not "other";
  // stopOnFailure and configuration only "other" has.
  EXPECT_EQ(r.preset.options,
            (std::vector<std::string>{"--build-config", "Release", "--stop-on-failure",
                                      "--parallel", "3", "--timeout", "30", "--no-tests", "error",
                                      "--output-on-failure", "--output-log", "/src/log-ci.txt",
                                      "--no-label-summary", "--repeat", "until-pass:2"}));
  // ${presetName} in binaryDir is the configure preset's.
  EXPECT_EQ(r.preset.binary_dir, "/src/build/dev");
  std::map<std::string, std::string> env;
  std::vector<std::string> unset;
  for (const auto& [name, value] : r.preset.environment) {
    if (value) env[name] = *value;
    if (!value) unset.push_back(name);
  }
  EXPECT_EQ(env, (std::map<std::string, std::string>{{"FROM_CONFIGURE", "c"},
                                                     {"SHARED", "common"},
                                                     {"HOME_TOO", "/home/me//home/me$"},
                                                     {"CHAIN", "[common]"}}));
  EXPECT_EQ(unset, (std::vector<std::string>{"GONE"}));
}

TEST(CtestPresetsTest, UserPresetsAndIncludesAreRead) {
  const Read r =
      Preset({{"/src/CMakePresets.json", R"({"version": 4, "include": ["more/presets.json"]})"},
              {"/src/more/presets.json",
               R"({"version": 4, "configurePresets": [{"name": "c",
                              "binaryDir": "${fileDir}/out"}]})"},
              {"/src/CMakeUserPresets.json",
               R"({"version": 4, "testPresets": [{"name": "mine",
                              "configurePreset": "c", "inheritConfigureEnvironment": false,
                              "execution": {"scheduleRandom": true}}]})"}},
             "mine");
  ASSERT_TRUE(r.ok) << r.err;
  EXPECT_EQ(r.preset.options, (std::vector<std::string>{"--schedule-random"}));
  EXPECT_EQ(r.preset.binary_dir, "/src/more/out");
}

// A presets file with configure preset "c" and test preset "ci" that
// also has `fields`.
std::string CiWith(const std::string& fields) {
  return R"({"configurePresets": [{"name": "c", "binaryDir": "b"}],
             "testPresets": [{"name": "ci", "configurePreset": "c", )" +
         fields + "}]}";
}

TEST(CtestPresetsTest, BadInputIsAnErrorNamingTheFileOrThePreset) {
  using Files = std::map<std::string, std::string>;
  const std::string p = "/src/CMakePresets.json";
  const std::vector<std::pair<Files, std::string>> cases = {
      {{}, "test preset 'ci': no such preset (in /src/CMakePresets.json"},
      {{{p, "{"}}, "/src/CMakePresets.json: not JSON"},
      {{{p, "[]"}}, "/src/CMakePresets.json: not a JSON object"},
      {{{p, R"({"testPresets": {}})"}}, "\"testPresets\" is not an array"},
      {{{p, R"({"testPresets": [{"name": "ci"}, {"name": "ci"}]})"}},
       "preset 'ci' is defined twice"},
      {{{p, R"({"testPresets": [{"name": "ci", "inherits": "ci"}]})"}},
       "test preset 'ci' inherits from itself"},
      {{{p, R"({"testPresets": [{"name": "ci", "inherits": "gone"}]})"}},
       "test preset 'gone': no such preset"},
      {{{p, R"({"testPresets": [{"name": "ci"}]})"}}, "no configurePreset"},
      {{{p, R"({"configurePresets": [{"name": "c"}],
                "testPresets": [{"name": "ci", "configurePreset": "c"}]})"}},
       "has no binaryDir"},
      {{{p, CiWith(R"("execution": {"jobs": "4"})")}}, "execution.jobs is not a whole number"},
      {{{p, CiWith(R"("environment": {"A": "${nonsense}"})")}},
       "environment variable A: ${nonsense}: not a macro CMake's presets know"},
      {{{p, CiWith(R"("environment": {"A": "$env{A}"})")}}, "refers to itself"},
      {{{p, R"({"include": ["gone.json"]})"}}, "/src/gone.json: cannot be read"},
      {{{p, CiWith(R"("environment": {"": "x"})")}},
       "'' is not a name for an environment variable"},
      {{{p, CiWith(R"("environment": {"A=B": "x"})")}},
       "'A=B' is not a name for an environment variable"},
      {{{p, CiWith(R"("execution": {"repeat": {"mode": "until-pass"}})")}},
       "execution.repeat is not"},
  };
  for (const auto& [files, message] : cases) {
    const Read r = Preset(files, "ci");
    EXPECT_FALSE(r.ok) << message;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  // A relative binaryDir is under the source folder.
  const Read rel = Preset({{p, R"({"configurePresets": [{"name": "c", "binaryDir": "b"}],
                                   "testPresets": [{"name": "ci", "configurePreset": "c"}]})"}},
                          "ci");
  ASSERT_TRUE(rel.ok) << rel.err;
  EXPECT_EQ(rel.preset.binary_dir, "/src/b");
}

}  // namespace
}  // namespace mprun::core
