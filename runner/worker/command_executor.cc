#include "runner/worker/command_executor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string_view>

#include "runner/worker/pipe_follower.h"

namespace mprun::runner {

namespace {

// Enough of a test's output for its regular expressions (ctest matches the
// whole output; a test that prints more than this is matched on its start).
constexpr size_t kOutputKept = size_t{16} << 20;

// Copies the command's output into the worker's, keeping its start in
// `kept`, and returns once the pipe has closed and the command has ended
// (something it started may hold the pipe open after it ended; it may
// close its output and go on: a hang there is the time limit's). The
// command is ended but not reaped, so that its group id still names its
// leftovers.
void Follow(pid_t pid, int fd, std::string* kept) {
  FollowPipe(pid, fd, /*grace_ms=*/-1, [&](std::string_view chunk) {
    WriteAll(STDOUT_FILENO, chunk);
    if (kept->size() < kOutputKept) kept->append(chunk.substr(0, kOutputKept - kept->size()));
  });
}

// The fixture `test` requires whose set-up failed earlier in the group, or "".
std::string BrokenFixture(const core::CtestTest& test, const std::set<std::string>& broken) {
  for (const std::string& f : test.fixtures_required) {
    if (broken.count(f) != 0) return f;
  }
  return "";
}

// Runs one command; false when it could not be started (then `why`).
bool RunOne(const CommandTest& c, Spawner& spawner, WorkerRuntime& runtime,
            core::CommandVerdict* verdict, int* signal, std::string* why) {
  ProgramSpec spec;
  spec.argv = c.argv;
  spec.dir = c.dir;
  spec.env = c.env;
  spec.under_shim = true;
  Program child;
  int error_number = 0;
  if (!spawner.StartProgram(spec, &child, why, &error_number)) return false;
  runtime.SetChildGroup(child.pid);
  std::string output;
  Follow(child.pid, child.out_fd, &output);
  runtime.SetChildGroup(0);  // before the reaping frees the group id
  spawner.SignalProgramGroup(child.pid, SIGKILL);
  const core::ProcessEnd end = EndOf(spawner.WaitProgram(child.pid));
  *verdict = core::JudgeCommand(*c.ctest, end, output);
  *signal = end.signaled ? end.code : 0;
  return true;
}

}  // namespace

void RunCommands(const CommandSetup& setup, const std::vector<uint32_t>& tests,
                 WorkerRuntime& runtime) {
  std::set<std::string> broken;  // fixtures whose set-up failed here
  for (uint32_t t : tests) {
    if (runtime.StopRequested()) return;  // the rest is the supervisor's (not run)
    const CommandTest& c = setup.tests[t];
    runtime.TestStarted(t);
    if (c.ctest->disabled) {
      runtime.TestFinished(t, core::Outcome::kSkipped, "DISABLED: not run (as ctest)");
      continue;
    }
    if (!c.refused.empty()) {
      runtime.TestFinished(t, core::Outcome::kFailed, "not run: " + c.refused + " (as ctest)");
      broken.insert(c.ctest->fixtures_setup.begin(), c.ctest->fixtures_setup.end());
      continue;
    }
    const std::string fixture = BrokenFixture(*c.ctest, broken);
    if (!fixture.empty()) {
      runtime.TestFinished(t, core::Outcome::kFailed,
                           "not run: the set-up of fixture " + fixture + " failed (as ctest)");
      continue;
    }
    core::CommandVerdict verdict;
    int signal = 0;
    std::string why;
    if (!RunOne(c, *setup.spawner, runtime, &verdict, &signal, &why)) {
      verdict = {core::Outcome::kFailed, "mprun could not start " + c.argv[0] + ": " + why};
    }
    const bool passed =
        verdict.outcome == core::Outcome::kPassed || verdict.outcome == core::Outcome::kSkipped;
    if (!passed) broken.insert(c.ctest->fixtures_setup.begin(), c.ctest->fixtures_setup.end());
    runtime.TestFinished(t, verdict.outcome, verdict.message, signal);
  }
}

}  // namespace mprun::runner
