// Signals a user or a CI system sends a run, end to end in both
// modes: a first SIGINT/SIGTERM/SIGHUP lets running tests finish and starts
// no new ones, a second stops everything at once; SIGTSTP suspends the whole
// run (workers included) and SIGCONT resumes it without the pause counting
// against the running test's time limit; a closed output pipe costs neither
// the run nor its reports. Each run is left with no process alive.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/outcome.h"
#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kPerf[] = MPRUN_PERF_BINARY;
const char kMprun[] = MPRUN_BINARY;

double NowS() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Whether the fixture has written `test` into $PERF_DIR/running.
bool Running(const ScratchDir& dir, const std::string& test) {
  std::istringstream in(testing_util::ReadFile(dir.File("running")));
  std::string line;
  while (std::getline(in, line)) {
    if (line == test) return true;
  }
  return false;
}

// The run's command line in driver or linked mode.
std::vector<std::string> Command(bool driver, std::vector<std::string> flags,
                                 const std::string& filter) {
  std::vector<std::string> argv = {driver ? kMprun : kPerf};
  argv.insert(argv.end(), flags.begin(), flags.end());
  if (driver) argv.push_back(kPerf);
  argv.push_back("--gtest_filter=" + filter);
  return argv;
}

std::map<std::string, std::string> Env(const ScratchDir& dir, const std::string& token,
                                       std::map<std::string, std::string> more = {}) {
  more["PERF_DIR"] = dir.path();
  more["SIGNALS_TOKEN"] = token;  // finds every process of the run
  return more;
}

void ExpectNothingLeft(const std::string& token) {
  EXPECT_TRUE(testing_util::WaitFor(
      [&] { return testing_util::ProcessesWithEnv("SIGNALS_TOKEN", token).empty(); }, 5000))
      << "processes of the run are still alive";
}

struct Interrupt {
  bool driver;
  int signal;
};

class FirstInterruptTest : public ::testing::TestWithParam<Interrupt> {};

// Tunable sleeps 1.5 s; Spin is queued behind it in the one worker.
TEST_P(FirstInterruptTest, RunningTestsFinishNoNewOneStartsExit130) {
  ScratchDir dir;
  const std::string token = "first" + std::to_string(getpid()) + "_" +
                            std::to_string(GetParam().signal) + (GetParam().driver ? "d" : "l");
  const pid_t pid = testing_util::Start(
      Command(
          GetParam().driver,
          {"--processes=1", "--no-history", "--interrupt-grace=30", "--json=" + dir.File("r.json")},
          "Timed.Tunable:Timed.Spin"),
      Env(dir, token, {{"PERF_TUNABLE_MS", "1500"}, {"PERF_COUNT_CONTINUES", "500"}}), dir);
  ASSERT_TRUE(testing_util::WaitFor([&] { return Running(dir, "Timed.Tunable"); }, 20000));
  kill(pid, GetParam().signal);
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_EQ(p.status, 130) << p.out << p.err;
  EXPECT_NE(p.err.find("no new tests; 1 running may finish within 30s"), std::string::npos)
      << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Timed.Tunable"].outcome, "passed") << "the running test finished";
  EXPECT_EQ(rows["Timed.Spin"].outcome, "not_run") << "no new test started";
  EXPECT_NE(rows["Timed.Spin"].message.find(core::SignalName(GetParam().signal)),
            std::string::npos);
  // Linked mode starts each test in-process and sees the stop first; in
  // driver mode the binary may have begun Spin before mprun killed it.
  if (!GetParam().driver) {
    EXPECT_FALSE(Running(dir, "Timed.Spin"));
  }
  EXPECT_TRUE(doc["interrupted"].GetBool());
  ExpectNothingLeft(token);
}

INSTANTIATE_TEST_SUITE_P(Signals, FirstInterruptTest,
                         ::testing::Values(Interrupt{false, SIGINT}, Interrupt{false, SIGTERM},
                                           Interrupt{false, SIGHUP}, Interrupt{true, SIGINT},
                                           Interrupt{true, SIGTERM}),
                         [](const auto& p) {
                           return std::string(p.param.driver ? "Driver" : "Linked") +
                                  core::SignalName(p.param.signal).substr(3);
                         });

class SecondInterruptTest : public ::testing::TestWithParam<bool> {};

// A test that would run for a minute: the second SIGINT ends the run at once.
TEST_P(SecondInterruptTest, StopsEverythingAtOnce) {
  ScratchDir dir;
  const std::string token = "second" + std::to_string(getpid()) + (GetParam() ? "d" : "l");
  const pid_t pid =
      testing_util::Start(Command(GetParam(),
                                  {"--processes=2", "--no-history", "--interrupt-grace=120",
                                   "--process-timeout=0", "--json=" + dir.File("r.json")},
                                  "Timed.Tunable:Timed.Steady"),
                          Env(dir, token, {{"PERF_TUNABLE_MS", "60000"}}), dir);
  ASSERT_TRUE(testing_util::WaitFor([&] { return Running(dir, "Timed.Tunable"); }, 20000));
  kill(pid, SIGINT);
  ASSERT_TRUE(testing_util::WaitFor(
      [&] {
        return testing_util::ReadFile(dir.File("stderr")).find("again to stop now") !=
               std::string::npos;
      },
      10000));
  const double second_at = NowS();
  kill(pid, SIGINT);
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_LT(NowS() - second_at, 20.0) << "the second SIGINT must not wait for the test";
  EXPECT_EQ(p.status, 130) << p.out << p.err;
  EXPECT_NE(p.err.find("again: stopping now"), std::string::npos) << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Timed.Tunable"].outcome, "not_run");
  EXPECT_TRUE(doc["complete"].GetBool());
  ExpectNothingLeft(token);
}

INSTANTIATE_TEST_SUITE_P(Modes, SecondInterruptTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Driver" : "Linked"; });

class GraceExpiryTest : public ::testing::TestWithParam<bool> {};

// One SIGINT while a minute-long test surely runs, and a grace of 1 s: when
// the grace is over the test is killed (not_run), the run ends 130.
TEST_P(GraceExpiryTest, TheEndOfTheGraceKillsTheRunningTest) {
  ScratchDir dir;
  const std::string token = "grace" + std::to_string(getpid()) + (GetParam() ? "d" : "l");
  const pid_t pid =
      testing_util::Start(Command(GetParam(),
                                  {"--processes=1", "--no-history", "--interrupt-grace=1",
                                   "--process-timeout=0", "--json=" + dir.File("r.json")},
                                  "Timed.Tunable"),
                          Env(dir, token, {{"PERF_TUNABLE_MS", "60000"}}), dir);
  ASSERT_TRUE(testing_util::WaitFor([&] { return Running(dir, "Timed.Tunable"); }, 20000));
  const double sent_at = NowS();
  kill(pid, SIGINT);
  const Proc p = testing_util::Finish(pid, dir);
  const double took = NowS() - sent_at;
  EXPECT_GE(took, 1.0) << "the running test had its grace";
  EXPECT_LT(took, 15.0) << "and no more";
  EXPECT_EQ(p.status, 130) << p.out << p.err;
  EXPECT_NE(p.err.find("1 running may finish within 1s"), std::string::npos) << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Timed.Tunable"].outcome, "not_run");
  EXPECT_NE(rows["Timed.Tunable"].message.find("interrupted by SIGINT"), std::string::npos)
      << rows["Timed.Tunable"].message;
  ExpectNothingLeft(token);
}

INSTANTIATE_TEST_SUITE_P(Modes, GraceExpiryTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Driver" : "Linked"; });

class SuspendTest : public ::testing::TestWithParam<bool> {};

// SIGTSTP stops the supervisor and every worker; six seconds later SIGCONT
// resumes them. The test (1.5 s of sleep; a sleep's end is fixed when it
// begins, so it ends as soon as it is resumed) has a limit of 5 s: it
// passes only if the pause does not count against it. Then the test
// watches 0.5 s more for a second SIGCONT (see the end).
TEST_P(SuspendTest, StopsWorkersTooAndThePauseDoesNotCountAgainstTheTimeLimit) {
  ScratchDir dir;
  const std::string token = "tstp" + std::to_string(getpid()) + (GetParam() ? "d" : "l");
  const pid_t pid = testing_util::Start(
      Command(
          GetParam(),
          {"--processes=1", "--no-history", "--process-timeout=5", "--json=" + dir.File("r.json")},
          "Timed.Tunable"),
      Env(dir, token, {{"PERF_TUNABLE_MS", "1500"}, {"PERF_COUNT_CONTINUES", "500"}}), dir);
  ASSERT_TRUE(testing_util::WaitFor([&] { return Running(dir, "Timed.Tunable"); }, 20000));
  kill(pid, SIGTSTP);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WUNTRACED), pid);
  ASSERT_TRUE(WIFSTOPPED(status)) << "mprun itself stops, as a job";
  // Every other process of the run is stopped too ('T' in /proc/PID/stat).
  std::vector<pid_t> others = testing_util::ProcessesWithEnv("SIGNALS_TOKEN", token);
  std::erase(others, pid);
  ASSERT_FALSE(others.empty());
  EXPECT_TRUE(testing_util::WaitFor(
      [&] {
        for (pid_t o : others) {
          const std::string stat = testing_util::ReadFile("/proc/" + std::to_string(o) + "/stat");
          const size_t close_paren = stat.rfind(')');
          if (close_paren == std::string::npos || stat.size() < close_paren + 3) continue;
          if (stat[close_paren + 2] != 'T') return false;
        }
        return true;
      },
      5000))
      << "a worker or test process kept running while mprun was stopped";
  // The pause itself: what is measured is that it is not held against the test.
  const struct timespec pause = {6, 0};
  nanosleep(&pause, nullptr);
  kill(pid, SIGCONT);
  const Proc p = testing_util::Finish(pid, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows["Timed.Tunable"].outcome, "passed") << rows["Timed.Tunable"].message;
  // One SIGCONT, not two: mprun's own continue must not also be read back
  // from its signalfd as a stop it did not see and sent on again. A SIGCONT
  // to a running binary discards its pending stop signals, which deadlocked
  // ASan binaries in the exit-time leak check (its tracer waits for the
  // SIGSTOP of its ptrace attach): the binary then "hung after its test".
  // Two SIGCONTs that come before the first is handled count as one, so
  // this can miss a second one (driver mode mostly does); the exact check is
  // SupervisorTest.AContinueAfterAStopMprunDidNotMakeIsNotSentOn.
  EXPECT_EQ(testing_util::ReadFile(dir.File("continues")), "1\n");
  ExpectNothingLeft(token);
}

INSTANTIATE_TEST_SUITE_P(Modes, SuspendTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Driver" : "Linked"; });

class ClosedPipeTest : public ::testing::TestWithParam<bool> {};

// `mprun ... | head -1`: the reader goes away after the first line. The run
// goes on to the end, writes its reports, and exits with its own status.
TEST_P(ClosedPipeTest, TheRunEndsNormallyWithItsReports) {
  ScratchDir dir;
  const std::string token = "pipe" + std::to_string(getpid()) + (GetParam() ? "d" : "l");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::vector<std::string> argv = Command(
      GetParam(),
      {"--processes=2", "--no-history", "--progress=dots", "-v", "--json=" + dir.File("r.json")},
      "Timed.Steady:Timed.FailsOnARun:Many/Noise.Spins/?");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    setenv("PERF_DIR", dir.path().c_str(), 1);
    setenv("PERF_SPIN_ROUNDS", "2000000", 1);
    setenv("PERF_FAIL_ON", "1", 1);
    setenv("SIGNALS_TOKEN", token.c_str(), 1);
    setenv("MPRUN_NO_HISTORY", "1", 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  // Read the first line, then close the pipe, as `head -1` does.
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') {
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 1) << "one test fails on purpose";
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_TRUE(doc["complete"].GetBool());
  EXPECT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows["Timed.FailsOnARun"].outcome, "failed");
  EXPECT_EQ(rows["Timed.Steady"].outcome, "passed");
  ExpectNothingLeft(token);
}

INSTANTIATE_TEST_SUITE_P(Modes, ClosedPipeTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Driver" : "Linked"; });

}  // namespace
}  // namespace mprun
