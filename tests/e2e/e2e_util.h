// Helpers for end-to-end tests: run a real binary in a scratch directory,
// capture its output and exit status, read its JSON report, and check that
// nothing of the run is left (processes, files).
#ifndef MPRUN_TESTS_E2E_UTIL_H_
#define MPRUN_TESTS_E2E_UTIL_H_

#include <rapidjson/document.h>
#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mprun::testing_util {

struct Proc {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// A scratch directory removed at destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Names of the entries in `sub` (relative to path()).
  std::vector<std::string> List(const std::string& sub = "") const;

 private:
  std::string path_;
};

// Starts `argv` with the current environment plus `env` (a value of
// "\x01unset" removes the variable), stdout and stderr to files in `dir`.
pid_t Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const ScratchDir& dir);
// Waits for `pid` and reads what it wrote.
Proc Finish(pid_t pid, const ScratchDir& dir);
Proc Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         const ScratchDir& dir);

std::string ReadFile(const std::string& path);

// ASAN_OPTIONS under which deadly signals kill a sanitizer build's test as
// they kill a plain one: ASan's own handler would report (symbolizing its
// stack, seconds on a loaded machine, past a tight time limit) and exit 1.
inline constexpr char kDeadlySignalsKill[] =
    "handle_segv=0:handle_abort=0:handle_sigbus=0:handle_sigfpe=0";

// One test of an mprun JSON report.
struct ReportRow {
  std::string binary, outcome, signal, message, output;
  int worker = -1;
};
// The report's tests by name (a name reported twice, or text that is not a
// report, fails the calling test); `doc` keeps the whole report.
std::map<std::string, ReportRow> ParseReport(const std::string& text, rapidjson::Document* doc);
// The outcomes every run of tests/fixtures/misbehave_test.cc must report
// (with --process-timeout=1), in either mode.
void ExpectMisbehaveOutcomes(std::map<std::string, ReportRow>& rows);

// A check that cannot run here (no root, no mount, no limited user): under
// CI (CI=true) as root it must run, so it fails; elsewhere it is skipped and
// noted in $MPRUN_CHECK_SKIPS (if set) for tools/check's last line.
bool MustRunEverything();
void NoteSkip(const std::string& why);
#define MPRUN_SKIP_UNLESS_CI(why)                                                        \
  do {                                                                                   \
    const std::string mprun_why_ = (why);                                                \
    if (::mprun::testing_util::MustRunEverything()) {                                    \
      GTEST_FAIL() << mprun_why_ << " (CI=true as root: a check that cannot run fails)"; \
    }                                                                                    \
    ::mprun::testing_util::NoteSkip(mprun_why_);                                         \
    GTEST_SKIP() << mprun_why_;                                                          \
  } while (0)

// Processes (not zombies) whose environment holds NAME=VALUE.
std::vector<pid_t> ProcessesWithEnv(const std::string& name, const std::string& value);
// True if `pid` is gone or a zombie.
bool ProcessGone(pid_t pid);
// Polls `condition` every millisecond for up to `ms`; true once it holds.
bool WaitFor(const std::function<bool()>& condition, int ms);

}  // namespace mprun::testing_util

#endif  // MPRUN_TESTS_E2E_UTIL_H_
