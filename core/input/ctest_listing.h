// What CTest says about a build folder's tests, and what its properties
// mean: the listing of `ctest --show-only=json-v1` (documented and stable
// since CMake 3.14; CTestTestfile.cmake is never read by hand), ctest's
// selection (-R/-E/-L/-LE, fixtures pulled in), and how ctest judges a test
// that runs as one command. Pure; the supervisor calls it before any fork,
// a worker calls JudgeCommand.
#ifndef MPRUN_CORE_INPUT_CTEST_LISTING_H_
#define MPRUN_CORE_INPUT_CTEST_LISTING_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"

namespace mprun::core {

struct CtestTest {
  std::string name;
  // argv as ctest would run it (command[0] as ctest resolved it); empty
  // when ctest has no command for it (e.g. not built for this -C config).
  std::vector<std::string> command;
  std::string working_directory;                      // "" = the build folder
  std::optional<double> timeout_s;                    // TIMEOUT (0: none)
  std::vector<std::string> environment;               // ENVIRONMENT: NAME=VALUE
  std::vector<std::string> environment_modification;  // NAME=OP:VALUE
  bool disabled = false;
  bool will_fail = false;
  bool run_serial = false;
  std::optional<int> skip_return_code;
  std::vector<std::string> pass_regex, fail_regex, skip_regex;
  std::vector<std::string> labels, resource_locks;
  std::vector<std::string> fixtures_setup, fixtures_cleanup, fixtures_required;
  std::vector<std::string> depends;  // DEPENDS: names of tests to run first
  double cost = 0;
  int processors = 1;
  // RESOURCE_GROUPS, as ctest lists it (a count prefix already expanded):
  // per group, its requirements (resource type, slots).
  std::vector<std::vector<std::pair<std::string, int>>> resource_groups;
  // Properties mprun does not honour, by name (each is warned about).
  std::vector<std::string> unhonoured;
};

// Parses ctest's --show-only=json-v1 output. False with `err` when it is
// not that (not JSON, another kind or major version, a test without name).
bool ParseCtestJson(std::string_view text, std::vector<CtestTest>* out, std::string* err);

// ctest's selection: -R/-E on the name, -L/-LE on the labels (extended
// regular expressions, matched anywhere; "" = not given). A test kept
// brings the set-up and clean-up tests of the fixtures it requires (as
// ctest does unless -FA). Per test, whether it is selected; false with
// `err` for a bad expression.
struct CtestSelection {
  std::string include, exclude, label, label_exclude;
};
bool SelectCtestTests(const std::vector<CtestTest>& tests, const CtestSelection& how,
                      std::vector<bool>* selected, std::string* err);

// How ctest judges a test run as one command, given how it ended and what
// it printed (stdout and stderr): SKIP_REGULAR_EXPRESSION and
// SKIP_RETURN_CODE first, then PASS_/FAIL_REGULAR_EXPRESSION or the exit
// status, then WILL_FAIL inverts. `message` says why when it is not a pass.
struct CommandVerdict {
  Outcome outcome = Outcome::kPassed;
  std::string message;
};
CommandVerdict JudgeCommand(const CtestTest& test, const ProcessEnd& end, std::string_view output);

// The changes ctest makes to the environment of `test` (ENVIRONMENT, then
// ENVIRONMENT_MODIFICATION's NAME=OP:VALUE in order), as ProgramSpec::env
// takes them: "NAME=VALUE" sets, "NAME" unsets. `getenv` reads the
// environment mprun was given. An operation ctest does not define is
// named in `bad` and left out.
std::vector<std::string> CtestEnvironment(const CtestTest& test,
                                          const std::function<const char*(const char*)>& getenv,
                                          std::vector<std::string>* bad);

// The SKIP_REGULAR_EXPRESSION gtest_discover_tests gives every test it
// writes: GoogleTest's own skip, which mprun reads from the binary anyway.
inline constexpr char kGtestSkipRegex[] = "\\[  SKIPPED \\]";

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_CTEST_LISTING_H_
