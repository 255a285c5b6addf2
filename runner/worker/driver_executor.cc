#include "runner/worker/driver_executor.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string_view>

#include "core/outcome.h"
#include "core/rules/decisions.h"
#include "runner/worker/pipe_follower.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

using core::Outcome;

// As much of what a binary printed outside tests as a failure says.
constexpr size_t kStrayKept = 8192;

// A launch refused for want of a process, a descriptor or memory is the
// machine's state, not the tests' fault: it is tried again after a pause.
bool IsShortage(int error_number) {
  return error_number == EAGAIN || error_number == ENOMEM || error_number == EMFILE ||
         error_number == ENFILE;
}

// The worker's side of a launch: events to the runtime, output to the
// worker's output file.
// Once the run is interrupted no new test may start: the child that starts
// one is killed on the spot, and that test is left to the supervisor (not
// run), as is the rest of the batch. The child's lines arrive late, so a
// test counts as new only when the stop was already requested as the test
// before it ended (or as the launch began); one whose `[ RUN ]` was merely
// read after the stop may have started before it, and may finish.
class RuntimeSink : public FollowerSink {
 public:
  RuntimeSink(WorkerRuntime& runtime, Spawner& spawner, pid_t child)
      : runtime_(runtime),
        spawner_(spawner),
        child_(child),
        stop_before_(runtime.StopRequested()) {}
  void TestStarted(uint32_t test) override {
    if (!stopped_ && stop_before_) {
      stopped_ = true;
      spawner_.SignalProgram(child_, SIGKILL);
    }
    if (stopped_) return;
    if (!ran_any_) runtime_.LaunchRan();
    ran_any_ = true;
    runtime_.TestStarted(test);
  }
  void TestFinished(uint32_t test, Outcome outcome, const std::string& message, int signal,
                    int64_t reported_ms) override {
    if (!stopped_) runtime_.TestFinished(test, outcome, message, signal, reported_ms);
    stop_before_ = runtime_.StopRequested();
    ++ended_;
    if (outcome == Outcome::kSkipped) ++skipped_;
    if (outcome != Outcome::kPassed && outcome != Outcome::kSkipped) failed_.push_back(test);
  }
  void SuiteHeading() override {
    if (!stopped_) runtime_.SuiteHeading();
  }
  void Write(std::string_view text) override { WriteAll(STDOUT_FILENO, text); }
  bool stopped() const { return stopped_; }
  size_t ended() const { return ended_; }
  size_t skipped() const { return skipped_; }
  const std::vector<uint32_t>& failed() const { return failed_; }

 private:
  WorkerRuntime& runtime_;
  Spawner& spawner_;
  pid_t child_;
  bool stop_before_;
  bool stopped_ = false;
  bool ran_any_ = false;
  size_t ended_ = 0, skipped_ = 0;
  std::vector<uint32_t> failed_;  // tests that ended neither passed nor skipped
};

// Signals a program raises itself when it breaks (a crash in a static
// destructor, an abort at exit); any other came from outside.
bool IsCrashSignal(int signal) {
  return signal == SIGSEGV || signal == SIGABRT || signal == SIGBUS || signal == SIGFPE ||
         signal == SIGILL || signal == SIGSYS || signal == SIGTRAP;
}

std::string TailOf(const std::string& text) {
  return text.size() > kStrayKept ? text.substr(text.size() - kStrayKept) : text;
}

class DriverWorker {
 public:
  DriverWorker(const DriverSetup& setup, WorkerRuntime& runtime)
      : setup_(setup), runtime_(runtime), run_(*setup.run), spawner_(*setup.spawner) {
    const char* tmp = std::getenv("TMPDIR");
    temp_dir_ = tmp && *tmp ? tmp : "/tmp";
  }

  void Run() {
    std::vector<uint32_t> batch;
    std::vector<uint32_t> group;
    // The last binary's tests of a batch of several binaries wait for the
    // next batch: a batch ends at a count, often inside a binary whose rest
    // the next batch brings, and one launch then runs both parts (on many
    // small binaries, a launch saved per batch). They stay claimed by this
    // worker meanwhile, as the rest of a batch does while it runs, and wait
    // one batch at most.
    std::vector<uint32_t> carried;
    for (;;) {
      runtime_.NextBatch(&batch);
      if (batch.empty() && carried.empty()) break;
      const bool last = batch.empty();
      const bool carried_in = !carried.empty();
      if (carried_in) {
        batch.insert(batch.end(), carried.begin(), carried.end());
        std::sort(batch.begin(), batch.end());  // table order: binaries together
        carried.clear();
      }
      // One launch per binary of the batch (it is in table order).
      for (size_t begin = 0; begin < batch.size();) {
        size_t end = begin + 1;
        const uint32_t binary = run_.tests[batch[begin]].binary;
        while (end < batch.size() && run_.tests[batch[end]].binary == binary) ++end;
        if (end == batch.size() && begin > 0 && !last && !carried_in) {
          carried.assign(batch.begin() + static_cast<long>(begin), batch.end());
          break;
        }
        group.assign(batch.begin() + static_cast<long>(begin),
                     batch.begin() + static_cast<long>(end));
        // All at once: the child will run every test it is given, so none
        // may be handed to another worker meanwhile.
        runtime_.StartTests(&group);
        if (!group.empty()) RunGroup(binary, group);
        begin = end;
      }
      runtime_.Idle();
      if (last) break;
    }
  }

 private:
  void RunGroup(uint32_t binary, const std::vector<uint32_t>& group) {
    if (!setup_.commands.empty() && setup_.commands[binary]) {
      setup_.run_commands(group, runtime_);
      return;
    }
    // A selection longer than the framework takes in one launch goes in
    // parts, one after another (each selector counted twice: room for its
    // escapes).
    const size_t limit = FrameworkOf(binary).MaxSelectionBytes();
    if (limit == 0) {  // GoogleTest, Catch2: any length (a flag file, a -f file)
      Launch(binary, group);
      return;
    }
    std::vector<uint32_t> part;
    size_t bytes = 0;
    for (uint32_t t : group) {
      const size_t n = 2 * run_.tests[t].FullName().size() + 1;
      if (!part.empty() && bytes + n > limit) {
        if (!Launch(binary, part)) return;
        part.clear();
        bytes = 0;
      }
      part.push_back(t);
      bytes += n;
    }
    if (!part.empty()) Launch(binary, part);
  }

  const TestFramework& FrameworkOf(uint32_t binary) const {
    return setup_.frameworks.empty() ? GoogleTestFramework() : *setup_.frameworks[binary];
  }

  // What names `group` (in table order): a whole suite by its wildcard,
  // every other test by name.
  std::vector<Selected> SelectorsFor(const std::vector<uint32_t>& group) const {
    std::vector<Selected> selected;
    for (size_t i = 0; i < group.size();) {
      const core::TestName& t = run_.tests[group[i]];
      const uint32_t whole =
          setup_.whole_suite_size.empty() ? 0 : setup_.whole_suite_size[group[i]];
      if (whole > 1 && i + whole <= group.size() &&
          run_.tests[group[i + whole - 1]].suite == t.suite &&
          group[i + whole - 1] == group[i] + whole - 1) {
        selected.push_back({t.suite, "", true});
        i += whole;
        continue;
      }
      selected.push_back({t.suite, t.name, false});
      ++i;
    }
    return selected;
  }

  // The command line of a launch. A selection too long for one argument
  // goes into `*file`; false (and `*err`) when that file cannot be written.
  bool CommandLine(uint32_t binary, const std::vector<uint32_t>& group,
                   std::vector<std::string>* argv, std::string* file, std::string* err) const {
    std::vector<std::string> args;
    if (!FrameworkOf(binary).LaunchArgs(SelectorsFor(group), setup_.also_run_disabled, temp_dir_,
                                        &args, file, err)) {
      return false;
    }
    *argv = {setup_.exec_paths[binary]};
    argv->insert(argv->end(), args.begin(), args.end());
    if (!setup_.binary_args.empty()) {
      argv->insert(argv->end(), setup_.binary_args[binary].begin(),
                   setup_.binary_args[binary].end());
    }
    argv->insert(argv->end(), setup_.extra_args.begin(), setup_.extra_args.end());
    return true;
  }

  std::string WorkingDirectory(uint32_t binary) const {
    if (!setup_.binary_dirs.empty() && !setup_.binary_dirs[binary].empty()) {
      return setup_.binary_dirs[binary];
    }
    if (!setup_.chdir_to_binary) return {};
    const std::string& exec_path = setup_.exec_paths[binary];
    const size_t slash = exec_path.rfind('/');
    return slash == 0 ? "/" : exec_path.substr(0, slash);
  }

  // False when the run was interrupted meanwhile (the rest is the
  // supervisor's).
  bool Launch(uint32_t binary, const std::vector<uint32_t>& group) {
    const std::string& path = run_.binaries[binary];
    std::vector<std::string> argv;
    std::string flagfile;
    std::string err;
    if (!CommandLine(binary, group, &argv, &flagfile, &err)) {
      FailAll(group, err);
      return true;
    }
    // Until the first test starts, the time limit runs against the launch
    // (a binary that hangs on start-up is caught), blamed on no test.
    runtime_.EnvironmentSetUp(group.front());
    ProgramSpec spec;
    spec.argv = std::move(argv);
    spec.dir = WorkingDirectory(binary);
    if (!setup_.binary_env.empty()) spec.env = setup_.binary_env[binary];
    spec.under_shim = true;
    Program child;
    int error_number = 0;
    if (!spawner_.StartProgram(spec, &child, &err, &error_number)) {
      if (IsShortage(error_number)) {
        ShortOfResources(group, path, err);
      } else {
        FailAll(group, "mprun could not start " + path + ": " + err);
      }
      if (!flagfile.empty()) unlink(flagfile.c_str());
      return true;
    }
    const pid_t pid = child.pid;
    const int fd = child.out_fd;
    runtime_.SetChildGroup(pid);
    RuntimeSink sink(runtime_, spawner_, pid);
    std::vector<std::string> names;
    names.reserve(group.size());
    for (uint32_t t : group) names.push_back(run_.tests[t].FullName());
    const std::unique_ptr<StreamFollower> following =
        FrameworkOf(binary).Follow(sink, group, std::move(names));
    StreamFollower& follow = *following;
    const bool stdout_closed = Follow(pid, fd, follow);
    // What the binary's tests left in its group goes now, while the shim's
    // unreaped pid still holds the group id (so this never hits a stranger).
    runtime_.SetChildGroup(0);  // before the reaping frees the group id
    spawner_.SignalProgramGroup(pid, SIGKILL);
    const int status = spawner_.WaitProgram(pid);
    if (!flagfile.empty()) unlink(flagfile.c_str());
    const core::ProcessEnd end = EndOf(status);
    const bool crashed_in_test = follow.Ended(
        end, stdout_closed ? "the test closed stdout and stderr: mprun could no longer follow the "
                             "binary, and killed it"
                           : "");
    runtime_.Idle();
    if (sink.stopped()) return false;  // interrupted: the rest is the supervisor's
    AfterEnd(binary, follow, end, core::BinaryDied(end, crashed_in_test));
    if (!crashed_in_test && sink.ended() == group.size())
      CompareEnd(binary, group, sink, follow, end);
    return true;
  }

  // Every test of the launch ended: what the program's exit says of them
  // must agree (a leak check or a crash at exit fails a program whose tests
  // passed; a main() that ignores RUN_ALL_TESTS()'s result passes one whose
  // test failed). A disagreement goes to the supervisor.
  void CompareEnd(uint32_t binary, const std::vector<uint32_t>& group, const RuntimeSink& sink,
                  const StreamFollower& follow, const core::ProcessEnd& end) {
    if (runtime_.StopRequested()) return;  // mprun may have ended it
    if (end.signaled && !IsCrashSignal(end.code)) return;
    const bool program_failed = end.signaled || FrameworkOf(binary).ExitSaysFailed(
                                                    end.code, sink.skipped() == group.size());
    const std::vector<uint32_t>& failed = sink.failed();
    if (program_failed == !failed.empty()) return;
    const std::string& path = run_.binaries[binary];
    const std::string tests = group.size() == 1
                                  ? "the test of its launch"
                                  : "the " + std::to_string(group.size()) + " tests of its launch";
    std::string what = program_failed
                           ? path + " ended (" + core::DescribeEnd(end) + ") after " + tests +
                                 " ended without a failure: " + NamesOf(group)
                           : path + " ended (" + core::DescribeEnd(end) + ") though " +
                                 (group.size() == 1 ? "" : std::to_string(failed.size()) + " of ") +
                                 tests + " failed (" + NamesOf(failed) +
                                 "): does its main() return what RUN_ALL_TESTS() returned?";
    const std::string out = TailOf(follow.stray());
    if (program_failed && !out.empty()) what += "\nwhat it printed outside its tests:\n" + out;
    runtime_.ProgramDisagrees(group.back(), program_failed, what);
  }

  // "A.B, A.C and 3 more".
  std::string NamesOf(const std::vector<uint32_t>& tests) const {
    constexpr size_t kNamed = 4;
    std::string names;
    for (size_t i = 0; i < tests.size() && i < kNamed; ++i) {
      names += (i ? ", " : "") + run_.tests[tests[i]].FullName();
    }
    if (tests.size() > kNamed) names += " and " + std::to_string(tests.size() - kNamed) + " more";
    return names;
  }

  // Reads the child's console stream until the pipe closes or the child has
  // exited (a process a test left behind may hold the pipe open long after).
  // True when the pipe closed while the child lived on: it closed its stdout
  // and stderr, nothing it does from here can be followed, and it was killed.
  bool Follow(pid_t pid, int fd, StreamFollower& follow) {
    const PipeEnd end =
        FollowPipe(pid, fd, /*grace_ms=*/100, [&](std::string_view chunk) { follow.Feed(chunk); });
    const bool stdout_closed = end == PipeEnd::kChildLivesOn;
    if (stdout_closed) spawner_.SignalProgram(pid, SIGKILL);
    follow.Close();
    return stdout_closed;
  }

  // What becomes of the launch's tests that never started (core/rules/decisions.h).
  void AfterEnd(uint32_t binary, const StreamFollower& follow, const core::ProcessEnd& end,
                bool died) {
    const std::string& path = run_.binaries[binary];
    const std::vector<uint32_t> rest = follow.Unstarted();
    core::LaunchEnd facts;
    facts.ran_any = follow.ran_any();
    facts.tests_left = !rest.empty();
    facts.shim_fork_failed =
        !end.signaled && end.code == kShimFailed && follow.stray().rfind(kShimForkFailed, 0) == 0;
    facts.died = died;
    if (facts.ran_any) shortage_.LaunchRan();
    switch (launches_.Judge(binary, facts)) {
      case core::AfterLaunch::kDone:
        return;
      case core::AfterLaunch::kShortage: {  // as a refused launch
        std::string why = "fork: " + follow.stray().substr(std::strlen(kShimForkFailed));
        while (!why.empty() && why.back() == '\n') why.pop_back();
        ShortOfResources(rest, path, why);
        return;
      }
      case core::AfterLaunch::kTryAgain:
        runtime_.GiveBack(rest);
        runtime_.BatchUnused();
        return;
      case core::AfterLaunch::kFailNothingRan: {
        const std::string why =
            path + " ended (" + core::DescribeEnd(end) + ") before running any test, " +
            std::to_string(launches_.without_a_test(binary)) + " times in a row";
        const std::string out = TailOf(follow.stray());
        FailAll(rest, why + (out.empty() ? "" : "; what it printed:\n" + out),
                core::LaunchBook::OutcomeWhenNothingRan(died));
        return;
      }
      case core::AfterLaunch::kGiveBackRest:
        runtime_.GiveBack(rest);  // a fresh launch runs them
        return;
      case core::AfterLaunch::kFailRest:
        FailAll(rest, path + " ended (" + core::DescribeEnd(end) +
                          ") without running this test, though its --gtest_filter named it");
        return;
    }
  }

  // A launch the machine refused: the tests go back for whichever worker
  // can start them, and this one pauses (core::ShortageBackoff) before it
  // takes work again, or fails them once the run has been stuck too long.
  void ShortOfResources(const std::vector<uint32_t>& tests, const std::string& path,
                        const std::string& why) {
    runtime_.Idle();
    const bool got_through = runtime_.AnyTestStartedSince(&progress_mark_);
    const core::ShortageBackoff::Decision d = shortage_.Refused(shm::MonotonicNs(), got_through);
    if (d.fail) {
      FailAll(tests, "mprun could not start " + path + ": " + why + " (no test binary of the run " +
                         "could start for " + std::to_string(d.short_for_ns / 1'000'000'000) +
                         " s)");
      return;
    }
    runtime_.GiveBack(tests);
    runtime_.BatchUnused();
    // In slices, so that an interrupted run is not kept waiting.
    for (int waited = 0; waited < d.pause_ms && !runtime_.StopRequested(); waited += 10) {
      const timespec slice = {0, 10'000'000};
      nanosleep(&slice, nullptr);
    }
  }

  void FailAll(const std::vector<uint32_t>& tests, const std::string& why,
               Outcome outcome = Outcome::kFailed) {
    for (uint32_t t : tests) {
      runtime_.TestStarted(t);
      runtime_.TestFinished(t, outcome, why);
    }
  }

  const DriverSetup& setup_;
  WorkerRuntime& runtime_;
  const core::RunInfo& run_;
  Spawner& spawner_;
  std::string temp_dir_;
  core::LaunchBook launches_{setup_.max_launches_without_a_test};
  core::ShortageBackoff shortage_;
  uint64_t progress_mark_ = 0;  // AnyTestStartedSince's mark
};

}  // namespace

void RunDriverWorker(const DriverSetup& setup, WorkerRuntime& runtime) {
  // The child shares the worker's CPU (it inherits the pinning). As
  // SCHED_BATCH the worker does not preempt it at each line it writes: it
  // reads when the child blocks or its time slice ends, in large chunks.
  // (Measured at 10,000 trivial tests: a wake-up per line doubled the run.)
  const sched_param batch = {};
  sched_setscheduler(0, SCHED_BATCH, &batch);
  DriverWorker worker(setup, runtime);
  worker.Run();
  runtime.Idle();
}

}  // namespace mprun::runner
