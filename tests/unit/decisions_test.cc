// The decision core's rules (core/rules/decisions.h), one table or sequence per
// rule, with plain facts and a fake clock: no process, no shared memory.
// Each rule here is also exercised end to end; these tests say exactly
// which fact changes which verdict.
#include "core/rules/decisions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mprun::core {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;

ProcessEnd Exit(int code) { return {false, code}; }
ProcessEnd Signal(int sig) { return {true, sig}; }

// --- A worker's end: what it blames.

struct ExitRow {
  const char* name;
  WorkerExit facts;
  ExitVerdict verdict;
  bool died;
  bool keep_running;
};

WorkerExit Facts(ProcessEnd end, WorkerPhase phase, bool running_open) {
  WorkerExit x;
  x.end = end;
  x.phase = phase;
  x.running_open = running_open;
  return x;
}

TEST(JudgeWorkerExitTest, EachWayAWorkerEndsHasOneVerdict) {
  std::vector<ExitRow> rows;
  {
    WorkerExit x = Facts(Exit(0), WorkerPhase::kIdle, false);
    x.said_done = true;
    rows.push_back({"left normally", x, ExitVerdict::kNoBlame, false, false});
  }
  rows.push_back({"segfault in a test", Facts(Signal(11), WorkerPhase::kTest, true),
                  ExitVerdict::kCrashed, true, true});
  rows.push_back({"exit(0) in a test, never said done", Facts(Exit(0), WorkerPhase::kTest, true),
                  ExitVerdict::kCrashed, true, true});
  rows.push_back({"died in SetUpTestSuite", Facts(Exit(3), WorkerPhase::kSuiteSetUp, true),
                  ExitVerdict::kCrashed, true, true});
  rows.push_back({"died in a global environment",
                  Facts(Signal(6), WorkerPhase::kEnvironmentSetUp, true),
                  ExitVerdict::kDiedOutsideTest, true, false});
  rows.push_back({"died after its test's result",
                  Facts(Signal(11), WorkerPhase::kSuiteTearDown, false),
                  ExitVerdict::kDiedOutsideTest, true, false});
  {
    WorkerExit x = Facts(Signal(9), WorkerPhase::kTest, true);
    x.killed_for_timeout = true;  // while it started: not inside a test
    rows.push_back({"killed while starting", x, ExitVerdict::kDiedOutsideTest, true, false});
  }
  {
    WorkerExit x = Facts(Signal(9), WorkerPhase::kTest, true);
    x.killed_by_stop = true;
    rows.push_back({"stopped by mprun", x, ExitVerdict::kNoBlame, true, true});
  }
  {
    WorkerExit x = Facts(Signal(9), WorkerPhase::kTest, true);
    x.timeout_decided = x.timed_out_test_open = true;
    rows.push_back({"killed after its timeout", x, ExitVerdict::kTimedOut, true, true});
  }
  {
    // The test took the dump signal for its own handler, returned, and the
    // worker then left normally: the verdict stands.
    WorkerExit x = Facts(Exit(0), WorkerPhase::kIdle, false);
    x.said_done = true;
    x.timeout_decided = x.timed_out_test_open = true;
    rows.push_back({"left normally after its timeout", x, ExitVerdict::kTimedOut, false, true});
  }
  {
    WorkerExit x = Facts(Exit(124), WorkerPhase::kIdle, false);
    x.timeout_decided = true;  // the deadline passed in a teardown
    rows.push_back({"timed out outside a test", x, ExitVerdict::kDiedOutsideTest, true, false});
  }
  for (const ExitRow& row : rows) {
    const ExitJudgement j = JudgeWorkerExit(row.facts);
    EXPECT_EQ(j.verdict, row.verdict) << row.name;
    EXPECT_EQ(j.died, row.died) << row.name;
    EXPECT_EQ(j.keep_running, row.keep_running) << row.name;
  }
}

TEST(GiveUpCountsTest, DeathsBeforeAnyTestStopTheRunOnTheThird) {
  GiveUpCounts counts;
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_TRUE(counts.DiedOutsideTests(false, false));
  EXPECT_EQ(counts.in_a_row(), kWorkerDeathsBeforeAnyTest);
}

TEST(GiveUpCountsTest, AReportOrAWorkerThatReportedStartsTheCountAgain) {
  GiveUpCounts counts;
  counts.DiedOutsideTests(false, false);
  counts.DiedOutsideTests(false, false);
  counts.Reported();
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_FALSE(counts.DiedOutsideTests(true, false));  // it had reported: resets
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_FALSE(counts.DiedOutsideTests(false, false));
  EXPECT_TRUE(counts.DiedOutsideTests(false, false));
}

TEST(GiveUpCountsTest, DriverWorkersKilledWhileLaunchingGiveUpOnlyAfterTen) {
  GiveUpCounts counts;
  for (int i = 1; i < kLaunchDeathsInARow; ++i) {
    EXPECT_FALSE(counts.DiedOutsideTests(false, true)) << i;
  }
  EXPECT_TRUE(counts.DiedOutsideTests(false, true));
  EXPECT_EQ(counts.in_a_row(), kLaunchDeathsInARow);
}

// --- Deadlines.

struct DeadlineRow {
  const char* name;
  DeadlineFacts facts;
  DeadlineAction action;
  bool blames_test;
};

DeadlineFacts Deadline(bool moved, bool names, bool open, bool rechecked, WorkerPhase phase) {
  return {moved, names, open, rechecked, phase};
}

TimeLimits Limits(double run_s, int dump_grace_ms, int hand_back_ms) {
  TimeLimits l;
  l.run_limit_s = run_s;
  l.dump_grace_ms = dump_grace_ms;
  l.hand_back_after_ms = hand_back_ms;
  return l;
}

TEST(TimeoutRulesTest, AtTheDeadlineAResultAlreadyPublishedCountsAndOtherwiseItIsFinal) {
  const TimeoutRules rules(Limits(10, 1000, 1000));
  const std::vector<DeadlineRow> rows = {
      {"finished and moved on", Deadline(true, true, false, false, WorkerPhase::kTest),
       DeadlineAction::kMovedOn, false},
      {"result just in, not moved yet", Deadline(false, true, false, false, WorkerPhase::kTest),
       DeadlineAction::kLookAgain, false},
      {"still not moved a moment later: hangs after the test",
       Deadline(false, true, false, true, WorkerPhase::kSuiteTearDown), DeadlineAction::kTimedOut,
       false},
      {"in the test", Deadline(false, true, true, false, WorkerPhase::kTest),
       DeadlineAction::kTimedOut, true},
      {"in SetUpTestSuite", Deadline(false, true, true, false, WorkerPhase::kSuiteSetUp),
       DeadlineAction::kTimedOut, true},
      {"in TearDownTestSuite, test open",
       Deadline(false, true, true, false, WorkerPhase::kSuiteTearDown), DeadlineAction::kTimedOut,
       false},
      {"no test named", Deadline(false, false, false, false, WorkerPhase::kIdle),
       DeadlineAction::kTimedOut, false},
  };
  for (const DeadlineRow& row : rows) {
    const DeadlineJudgement j = rules.AtDeadline(row.facts);
    EXPECT_EQ(j.action, row.action) << row.name;
    EXPECT_EQ(j.blames_test, row.blames_test) << row.name;
  }
}

TEST(TimeoutRulesTest, DeadlinesCountTheLimitAndTheTimeSuspended) {
  const TimeoutRules rules(Limits(1.5, 1000, 250));
  EXPECT_TRUE(rules.limited());
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kTest, 5 * kS, 0), 5 * kS + 1500 * kMs);
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kTest, 5 * kS, 2 * kS), 7 * kS + 1500 * kMs);
  EXPECT_EQ(rules.StartupDeadline(3 * kS), 3 * kS + 1500 * kMs);
  EXPECT_EQ(rules.HandBackAt(5 * kS), 5 * kS + 250 * kMs);
  EXPECT_EQ(rules.RecheckAt(9 * kS), 9 * kS + kMs);
  EXPECT_EQ(rules.LimitS(0, WorkerPhase::kTest), 1.5);
  EXPECT_EQ(rules.LimitSource(0, WorkerPhase::kTest), "(--process-timeout)");
}

// Driver mode: a binary's start-up before its first test is not a test;
// under a tight limit it gets the floor, under a looser one the limit.
TEST(TimeoutRulesTest, ALaunchsStartUpGetsAtLeastTheFloorAndTestsKeepTheirLimit) {
  TimeLimits l = Limits(1, 1000, 1000);
  l.launch_start_floor_s = kLaunchStartFloorS;
  const TimeoutRules tight(l);
  EXPECT_EQ(tight.DeadlineOf(0, WorkerPhase::kEnvironmentSetUp, 2 * kS, 0), 12 * kS);
  EXPECT_EQ(tight.LimitS(0, WorkerPhase::kEnvironmentSetUp), 10);
  EXPECT_EQ(tight.LimitSource(0, WorkerPhase::kEnvironmentSetUp),
            "(the least a test binary is given to start)");
  EXPECT_EQ(tight.DeadlineOf(0, WorkerPhase::kTest, 2 * kS, 0), 3 * kS);
  EXPECT_EQ(tight.DeadlineOf(0, WorkerPhase::kSuiteSetUp, 2 * kS, 0), 3 * kS);
  l.run_limit_s = 30;
  const TimeoutRules loose(l);
  EXPECT_EQ(loose.DeadlineOf(0, WorkerPhase::kEnvironmentSetUp, 2 * kS, 0), 32 * kS);
  l.run_limit_s = 0;  // no limit stays none
  const TimeoutRules none(l);
  EXPECT_GT(none.DeadlineOf(0, WorkerPhase::kEnvironmentSetUp, 2 * kS, 0), 1'000'000 * kS);
  l.run_limit_s = 1;
  l.launch_start_floor_s = 0;  // linked mode: its environments are the user's code
  const TimeoutRules linked(l);
  EXPECT_EQ(linked.DeadlineOf(0, WorkerPhase::kEnvironmentSetUp, 2 * kS, 0), 3 * kS);
}

TEST(TimeoutRulesTest, WithoutALimitNoDeadlineIsEverReached) {
  const TimeoutRules rules(Limits(0, 1000, 1000));
  EXPECT_FALSE(rules.limited());
  // A day of running at a fake clock a year on is still before it.
  const uint64_t year = 365ULL * 24 * 3600 * kS;
  EXPECT_GT(rules.DeadlineOf(0, WorkerPhase::kTest, year, 0), year + 24ULL * 3600 * kS);
  EXPECT_FALSE(rules.announces_slow());
}

// --stop-time: every deadline is at most the stop time, and says so; one
// that ends before it is the test's own.
TEST(TimeoutRulesTest, TheStopTimeCutsEveryDeadlineThatWouldPassIt) {
  TimeLimits l = Limits(10, 1000, 1000);
  l.stop_at_ns = 25 * kS;
  const TimeoutRules rules(l);
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kTest, 5 * kS, 0), 15 * kS);
  EXPECT_FALSE(rules.CutByStopTime(0, WorkerPhase::kTest, 5 * kS, 0));
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kTest, 20 * kS, 0), 25 * kS);
  EXPECT_TRUE(rules.CutByStopTime(0, WorkerPhase::kTest, 20 * kS, 0));
  const TimeoutRules unlimited([] {
    TimeLimits u = Limits(0, 1000, 1000);
    u.stop_at_ns = 25 * kS;
    return u;
  }());
  EXPECT_EQ(unlimited.DeadlineOf(0, WorkerPhase::kTest, 1 * kS, 0), 25 * kS);
}

// Without --process-timeout: 5 times the longest recorded run, at least a
// minute; a quarter of an hour for a test never seen.
TEST(TimeoutRulesTest, TheAutomaticLimitNeverKillsAHealthyTest) {
  EXPECT_EQ(AutoLimitS(0), 900);
  EXPECT_EQ(AutoLimitS(-1), 900);
  EXPECT_EQ(AutoLimitS(3), 60);          // a 3 ms test: the floor
  EXPECT_EQ(AutoLimitS(12'000), 60);     // 12 s: 5 times is exactly the floor
  EXPECT_EQ(AutoLimitS(40'000), 200);    // 40 s: 5 times
  EXPECT_EQ(AutoLimitS(600'000), 3000);  // 10 min: 50 min, past the unknown test's
}

// Each test's own limit holds while it runs; the phases around tests (a
// worker's start, SetUpTestSuite, between tests) keep the run's.
TEST(TimeoutRulesTest, EachTestHasItsOwnLimitInsideItselfOnly) {
  TimeLimits l = Limits(900, 0, 1000);
  l.test_limits_s = {60, 200, 0};
  l.automatic = true;
  const TimeoutRules rules(l);
  EXPECT_TRUE(rules.limited());
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kTest, 1 * kS, 0), 61 * kS);
  EXPECT_EQ(rules.DeadlineOf(1, WorkerPhase::kTest, 1 * kS, 2 * kS), 203 * kS);
  EXPECT_GT(rules.DeadlineOf(2, WorkerPhase::kTest, 1 * kS, 0), 1'000'000 * kS);  // 0: none
  EXPECT_EQ(rules.DeadlineOf(0, WorkerPhase::kSuiteTearDown, 1 * kS, 0), 901 * kS);
  EXPECT_EQ(rules.DeadlineOf(1, WorkerPhase::kSuiteSetUp, 1 * kS, 0), 901 * kS);
  EXPECT_EQ(rules.DeadlineOf(7, WorkerPhase::kTest, 1 * kS, 0), 901 * kS);  // not in the table
  EXPECT_EQ(rules.StartupDeadline(1 * kS), 901 * kS);
  EXPECT_EQ(rules.LimitS(1, WorkerPhase::kTest), 200);
  EXPECT_EQ(rules.LimitS(1, WorkerPhase::kSuiteTearDown), 900);
  EXPECT_NE(rules.LimitSource(1, WorkerPhase::kTest).find("5 times its longest"),
            std::string::npos);
  EXPECT_NE(rules.LimitSource(1, WorkerPhase::kSuiteTearDown).find("without history"),
            std::string::npos);
  l.own_limits = {false, true, false};
  EXPECT_EQ(TimeoutRules(l).LimitSource(1, WorkerPhase::kTest), "(its own limit)");
  EXPECT_NE(TimeoutRules(l).LimitSource(0, WorkerPhase::kTest).find("5 times"), std::string::npos);
  l.automatic = false;
  l.own_limits.clear();
  EXPECT_EQ(TimeoutRules(l).LimitSource(1, WorkerPhase::kTest), "(its own limit)");
}

TEST(TimeoutRulesTest, ATestIsSlowAfterSlowAfterOfItsOwnTimeNotCountingAPause) {
  TimeLimits l = Limits(0, 0, 1000);
  l.slow_after_s = 10;
  const TimeoutRules rules(l);
  EXPECT_TRUE(rules.announces_slow());
  EXPECT_EQ(rules.SlowAt(5 * kS, 0), 15 * kS);
  EXPECT_EQ(rules.SlowAt(5 * kS, 3 * kS), 18 * kS);
}

TEST(TimeoutRulesTest, AfterTheDecisionTheKillWaitsForTheBacktraceUntilTheGraceEnds) {
  const TimeoutRules rules(Limits(10, 1000, 1000));
  ASSERT_TRUE(rules.wants_backtrace());
  const uint64_t kill_at = rules.KillAt(20 * kS);
  EXPECT_EQ(kill_at, 21 * kS);
  EXPECT_FALSE(rules.KillNow(false, 20 * kS + 999 * kMs, kill_at));
  EXPECT_TRUE(rules.KillNow(true, 20 * kS + 1 * kMs, kill_at));  // written: at once
  EXPECT_TRUE(rules.KillNow(false, 21 * kS, kill_at));
  EXPECT_FALSE(TimeoutRules(Limits(10, 0, 1000)).wants_backtrace());  // driver mode: kill at once
}

// --- Attempts.

TestResult Result(Outcome outcome, uint64_t duration_ns = 0, std::string message = "") {
  TestResult r;
  r.outcome = outcome;
  r.duration_ns = duration_ns;
  r.message = std::move(message);
  return r;
}

TEST(AttemptBookTest, AFailureRunsAgainUntilItPassesAndIsThenFlaky) {
  AttemptBook book(4, {2, false, 1, false});
  TestResult r = Result(Outcome::kFailed, 0, "first");
  EXPECT_EQ(book.Judge(1, r, true), AttemptAction::kRetry);
  EXPECT_EQ(r.attempts, 1u);
  r = Result(Outcome::kCrashed, 0, "second");
  EXPECT_EQ(book.Judge(1, r, true), AttemptAction::kRetry);
  r = Result(Outcome::kPassed);
  EXPECT_EQ(book.Judge(1, r, true), AttemptAction::kRecord);
  EXPECT_EQ(r.outcome, Outcome::kPassed);
  EXPECT_TRUE(r.flaky);
  EXPECT_EQ(r.attempts, 3u);
  ASSERT_EQ(r.earlier.size(), 2u);
  EXPECT_EQ(r.earlier[0].message, "first");
  EXPECT_EQ(r.earlier[1].outcome, Outcome::kCrashed);
}

TEST(AttemptBookTest, RetriesRunOutAndTheLastFailureIsRecorded) {
  AttemptBook book(1, {1, false, 1, false});
  TestResult r = Result(Outcome::kTimedOut);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRetry);
  r = Result(Outcome::kTimedOut);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRecord);
  EXPECT_EQ(r.outcome, Outcome::kTimedOut);
  EXPECT_FALSE(r.flaky);
  EXPECT_EQ(r.attempts, 2u);
  EXPECT_EQ(r.earlier.size(), 1u);
}

// ctest's --repeat after-timeout:N: a timed-out test runs again, a failure
// or a crash is final at once.
TEST(AttemptBookTest, WithTimeoutsOnlyOnlyATimedOutTestRunsAgain) {
  AttemptBook book(3, {2, false, 1, false, /*timeouts_only=*/true});
  TestResult r = Result(Outcome::kTimedOut, 0, "slow once");
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRetry);
  r = Result(Outcome::kPassed);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRecord);
  EXPECT_EQ(r.outcome, Outcome::kPassed);
  EXPECT_EQ(r.attempts, 2u);
  for (Outcome o : {Outcome::kFailed, Outcome::kCrashed}) {
    const uint32_t test = o == Outcome::kFailed ? 1 : 2;
    r = Result(o);
    EXPECT_EQ(book.Judge(test, r, true), AttemptAction::kRecord) << OutcomeName(o);
    EXPECT_EQ(r.outcome, o);
    EXPECT_EQ(r.attempts, 1u);
  }
}

TEST(AttemptBookTest, ATestThatCannotRunAgainIsRecordedAtOnce) {
  AttemptBook book(1, {3, false, 1, false});
  TestResult r = Result(Outcome::kFailed);
  EXPECT_EQ(book.Judge(0, r, /*may_run_again=*/false), AttemptAction::kRecord);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.attempts, 1u);
}

TEST(AttemptBookTest, FlakyFailsTurnsAPassAfterAFailureIntoAFailure) {
  AttemptBook book(1, {1, true, 1, false});
  TestResult r = Result(Outcome::kFailed);
  book.Judge(0, r, true);
  r = Result(Outcome::kPassed, 0, "ok");
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRecord);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_TRUE(r.flaky);
  EXPECT_EQ(r.message, "flaky (--flaky-fails): passed on attempt 2 after failing\nok");
}

TEST(AttemptBookTest, NotRunIsNoAttempt) {
  AttemptBook book(1, {2, false, 1, false});
  TestResult r = Result(Outcome::kNotRun);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRecord);
  r = Result(Outcome::kFailed);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRetry);
  EXPECT_EQ(r.attempts, 1u);  // the not_run was not counted
}

TEST(AttemptBookTest, RepeatEachRunsAPassAgainAndRecordsTheMedianOfAll) {
  AttemptBook book(2, {0, false, 3, false});
  TestResult r = Result(Outcome::kPassed, 30 * kMs);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRepeat);
  r = Result(Outcome::kPassed, 10 * kMs);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRepeat);
  r = Result(Outcome::kPassed, 20 * kMs);
  EXPECT_EQ(book.Judge(0, r, true), AttemptAction::kRecord);
  EXPECT_EQ(r.duration_ns, 20 * kMs);
  EXPECT_EQ(r.samples_ns, (std::vector<uint64_t>{30 * kMs, 10 * kMs, 20 * kMs}));
  // A failure is not repeated: it is recorded.
  r = Result(Outcome::kFailed, 5 * kMs);
  EXPECT_EQ(book.Judge(1, r, true), AttemptAction::kRecord);
}

TEST(AttemptBookTest, RepeatEachStopsWhenTheTestCannotRunAgain) {
  AttemptBook book(1, {0, false, 5, false});
  TestResult r = Result(Outcome::kPassed, 7 * kMs);
  EXPECT_EQ(book.Judge(0, r, false), AttemptAction::kRecord);
  EXPECT_EQ(r.samples_ns.size(), 1u);
}

TEST(AttemptBookTest, FailFastAsksToStopAtTheFirstRecordedFailureOnly) {
  AttemptBook book(3, {1, false, 1, true});
  TestResult r = Result(Outcome::kPassed);
  book.Judge(0, r, true);
  EXPECT_FALSE(book.stop_requested());
  r = Result(Outcome::kFailed);
  EXPECT_EQ(book.Judge(1, r, true), AttemptAction::kRetry);
  EXPECT_FALSE(book.stop_requested());  // it runs again first
  r = Result(Outcome::kFailed);
  book.Judge(1, r, true);
  EXPECT_TRUE(book.stop_requested());
}

// --- Stopping.

TEST(StopRulesTest, AFirstInterruptDrainsUntilTheGraceEndsOrNobodyRuns) {
  StopRules stops(3000, 10000);
  EXPECT_EQ(stops.Interrupted(10 * kS, false), StopRules::Interrupt::kDrain);
  EXPECT_TRUE(stops.draining());
  EXPECT_FALSE(stops.DrainOver(12 * kS, 2));
  EXPECT_TRUE(stops.DrainOver(12 * kS, 0));
  EXPECT_TRUE(stops.DrainOver(13 * kS, 2));
  // A second interrupt stops at once.
  EXPECT_EQ(stops.Interrupted(11 * kS, false), StopRules::Interrupt::kStopNow);
}

TEST(StopRulesTest, WithoutAGraceOrWhenStoppingAnInterruptStopsAtOnce) {
  StopRules none(0, 10000);
  EXPECT_EQ(none.Interrupted(kS, false), StopRules::Interrupt::kStopNow);
  StopRules negative(-5, 10000);
  EXPECT_EQ(negative.Interrupted(kS, false), StopRules::Interrupt::kStopNow);
  StopRules stopping(3000, 10000);
  EXPECT_EQ(stopping.Interrupted(kS, true), StopRules::Interrupt::kStopNow);
  EXPECT_FALSE(stopping.DrainOver(100 * kS, 0));  // never drained
}

TEST(StopRulesTest, TheTimeSuspendedMovesTheGraces) {
  StopRules stops(3000, 1000);
  stops.Interrupted(10 * kS, false);
  EXPECT_FALSE(stops.ExitGraceOver(10 * kS));  // starts the exit grace
  stops.Paused(5 * kS);
  EXPECT_FALSE(stops.DrainOver(17 * kS, 1));
  EXPECT_TRUE(stops.DrainOver(18 * kS, 1));
  EXPECT_FALSE(stops.ExitGraceOver(15 * kS + 999 * kMs));
  EXPECT_TRUE(stops.ExitGraceOver(16 * kS));
}

// --- Starting workers.

TEST(SerialPhaseTest, BeginsOnlyWhenEverythingElseIsDoneAndNobodyRuns) {
  EXPECT_TRUE(SerialPhaseDue(false, 2, 0, 8, 10));
  EXPECT_FALSE(SerialPhaseDue(false, 2, 1, 8, 10));   // a worker still lives
  EXPECT_FALSE(SerialPhaseDue(false, 2, 0, 7, 10));   // a test is still to come
  EXPECT_FALSE(SerialPhaseDue(true, 2, 0, 8, 10));    // already begun
  EXPECT_FALSE(SerialPhaseDue(false, 0, 0, 10, 10));  // none
}

TEST(ShouldStartWorkerTest, ASlotGetsAProcessOnlyForWorkItCanDo) {
  struct Row {
    const char* name;
    SlotFacts slot;
    uint32_t index;
    bool serial_phase;
    uint32_t live;
    bool nobody_was_left;
    uint64_t queued;
    uint32_t spare;
    bool start;
    uint32_t spare_after;
  };
  const std::vector<Row> rows = {
      {"its own work", {false, true, false}, 1, false, 1, false, 5, 0, true, 0},
      {"already live", {true, true, false}, 1, false, 1, false, 5, 0, false, 0},
      {"nothing for it", {false, false, false}, 1, false, 1, false, 5, 0, false, 0},
      {"nobody left to steal", {false, false, false}, 1, false, 0, true, 5, 0, true, 0},
      {"nobody left, nothing queued", {false, false, false}, 1, false, 0, true, 0, 0, false, 0},
      {"a handed-back test", {false, false, false}, 1, false, 1, false, 1, 2, true, 1},
      {"own work keeps the spare", {false, true, false}, 1, false, 1, false, 1, 2, true, 2},
      {"serial phase: slot 0 only", {false, true, false}, 1, true, 0, true, 1, 0, false, 0},
      {"serial phase, slot 0", {false, true, false}, 0, true, 0, true, 1, 0, true, 0},
      {"failed lately, others live", {false, true, true}, 1, false, 1, false, 1, 0, false, 0},
      {"failed lately, nobody live", {false, true, true}, 1, false, 0, true, 1, 0, true, 0},
  };
  for (const Row& row : rows) {
    uint32_t spare = row.spare;
    EXPECT_EQ(ShouldStartWorker(row.slot, row.index, row.serial_phase, row.live,
                                row.nobody_was_left, row.queued, &spare),
              row.start)
        << row.name;
    EXPECT_EQ(spare, row.spare_after) << row.name;
  }
}

// --- Batches.

TEST(BatchSizeTest, FillsTheBatchTimeAtTheMeanWithinOneAndTheMaximum) {
  EXPECT_EQ(BatchSize(0, 2e6, 64, 4), 4u);       // nothing known yet: the first batch
  EXPECT_EQ(BatchSize(0, 2e6, 64, 0), 1u);       // at least one
  EXPECT_EQ(BatchSize(100e3, 2e6, 64, 4), 20u);  // 2 ms of 0.1 ms tests
  EXPECT_EQ(BatchSize(1e3, 2e6, 64, 4), 64u);    // tiny tests: the maximum
  EXPECT_EQ(BatchSize(5e9, 2e6, 64, 4), 1u);     // long tests: one at a time
}

TEST(BatchSizeTest, ALaunchTakesAtLeastHalfOfItsOwnDequeOnceDurationsAreKnown) {
  EXPECT_EQ(BatchSize(100e3, 2e6, 1000, 4, 300), 150u);  // half, beyond the 20 of 2 ms
  EXPECT_EQ(BatchSize(100e3, 2e6, 1000, 4, 301), 151u);  // rounded up: the last one goes too
  EXPECT_EQ(BatchSize(100e3, 2e6, 1000, 4, 1), 20u);     // the end: the batch time rules
  EXPECT_EQ(BatchSize(100e3, 2e6, 100, 4, 300), 100u);   // never beyond the maximum
  EXPECT_EQ(BatchSize(0, 2e6, 1000, 4, 300), 4u);        // nothing known: the first batch
  EXPECT_EQ(BatchSize(100e3, 2e6, 1000, 4, 0), 20u);     // linked mode (or an empty deque)
}

TEST(BatchSizeTest, LaunchesAimAtMoreTimeWhenMoreWorkersThanCoresStartBinaries) {
  EXPECT_DOUBLE_EQ(ContendedBatchTimeNs(40e6, 2, 2), 40e6);
  EXPECT_DOUBLE_EQ(ContendedBatchTimeNs(40e6, 1, 16), 40e6);   // fewer workers: as it is
  EXPECT_DOUBLE_EQ(ContendedBatchTimeNs(40e6, 16, 2), 320e6);  // eight start-ups share a core
  EXPECT_DOUBLE_EQ(ContendedBatchTimeNs(40e6, 3, 2), 60e6);
  EXPECT_DOUBLE_EQ(ContendedBatchTimeNs(40e6, 16, 0), 40e6);  // cores unknown
}

TEST(BatchSizeTest, RestartWorkerTakesOneBatchPerProcess) {
  EXPECT_TRUE(TakesAnotherBatch(false, false, true));
  EXPECT_TRUE(TakesAnotherBatch(false, true, false));
  EXPECT_FALSE(TakesAnotherBatch(false, true, true));
  EXPECT_FALSE(TakesAnotherBatch(true, false, false));
}

// --- Driver launches.

LaunchEnd Launch(bool ran_any, bool tests_left, bool died, bool shim_fork_failed = false) {
  return {ran_any, tests_left, shim_fork_failed, died};
}

TEST(LaunchBookTest, ABinaryThatRunsNothingIsTriedAgainThenItsTestsFail) {
  LaunchBook book;
  EXPECT_EQ(book.Judge(4, Launch(false, true, true)), AfterLaunch::kTryAgain);
  EXPECT_EQ(book.Judge(4, Launch(false, true, true)), AfterLaunch::kTryAgain);
  EXPECT_EQ(book.Judge(7, Launch(false, true, false)), AfterLaunch::kTryAgain);  // its own
  EXPECT_EQ(book.Judge(4, Launch(false, true, true)), AfterLaunch::kFailNothingRan);
  EXPECT_EQ(book.without_a_test(4), kLaunchesWithoutATest);
  EXPECT_EQ(LaunchBook::OutcomeWhenNothingRan(true), Outcome::kCrashed);
  EXPECT_EQ(LaunchBook::OutcomeWhenNothingRan(false), Outcome::kFailed);
}

TEST(LaunchBookTest, ALaunchThatRanATestStartsTheCountAgain) {
  LaunchBook book;
  book.Judge(0, Launch(false, true, true));
  book.Judge(0, Launch(false, true, true));
  EXPECT_EQ(book.Judge(0, Launch(true, false, false)), AfterLaunch::kDone);
  EXPECT_EQ(book.without_a_test(0), 0);
  EXPECT_EQ(book.Judge(0, Launch(false, true, true)), AfterLaunch::kTryAgain);
}

TEST(LaunchBookTest, WhatBecomesOfTheTestsALaunchNeverStarted) {
  LaunchBook book;
  EXPECT_EQ(book.Judge(0, Launch(true, true, true)), AfterLaunch::kGiveBackRest);
  EXPECT_EQ(book.Judge(0, Launch(true, true, false)), AfterLaunch::kFailRest);
  EXPECT_EQ(book.Judge(0, Launch(false, true, false, true)), AfterLaunch::kShortage);
  EXPECT_EQ(book.without_a_test(0), 0);  // a refused fork does not count
}

TEST(BinaryDiedTest, ASignalACrashInATestOrAStatusAboveOneIsADeath) {
  EXPECT_FALSE(BinaryDied(Exit(0), false));
  EXPECT_FALSE(BinaryDied(Exit(1), false));  // gtest: some tests failed
  EXPECT_TRUE(BinaryDied(Exit(2), false));
  EXPECT_TRUE(BinaryDied(Signal(6), false));
  EXPECT_TRUE(BinaryDied(Exit(0), true));
}

TEST(ShortageBackoffTest, PausesDoubleToHalfASecondWhileTheAnyTestStartedSince) {
  ShortageBackoff backoff;
  uint64_t now = 100 * kS;
  std::vector<int> pauses;
  for (int i = 0; i < 9; ++i) {
    const ShortageBackoff::Decision d = backoff.Refused(now, /*got_through=*/true);
    EXPECT_FALSE(d.fail);
    pauses.push_back(d.pause_ms);
    now += 20 * kS;  // long gaps: the run got through each time, so no failure
  }
  EXPECT_EQ(pauses, (std::vector<int>{10, 20, 40, 80, 160, 320, 500, 500, 500}));
  backoff.LaunchRan();
  EXPECT_EQ(backoff.Refused(now, false).pause_ms, 10);
}

TEST(ShortageBackoffTest, TestsFailOnlyAfterTheRunIsStuckForTheLimit) {
  ShortageBackoff backoff;
  const uint64_t start = 50 * kS;
  EXPECT_FALSE(backoff.Refused(start, false).fail);
  EXPECT_FALSE(backoff.Refused(start + 7 * kS, false).fail);
  const ShortageBackoff::Decision d = backoff.Refused(start + kShortageLimitNs, false);
  EXPECT_TRUE(d.fail);
  EXPECT_EQ(d.short_for_ns, kShortageLimitNs);
  // The run got through again: the window starts anew.
  EXPECT_FALSE(backoff.Refused(start + 9 * kS, true).fail);
  EXPECT_FALSE(backoff.Refused(start + 16 * kS, false).fail);
}

// --- What verdicts say.

TEST(VerdictTest, ACrashSaysHowAndWhereItEnded) {
  const Verdict segv = CrashedInWorker(Signal(11), WorkerPhase::kTest);
  EXPECT_EQ(segv.outcome, Outcome::kCrashed);
  EXPECT_EQ(segv.signal, "SIGSEGV");
  EXPECT_EQ(segv.message.rfind("crashed: SIGSEGV", 0), 0u) << segv.message;
  const Verdict exited = CrashedInWorker(Exit(3), WorkerPhase::kSuiteSetUp);
  EXPECT_EQ(exited.signal, "");
  EXPECT_EQ(exited.message,
            "crashed in SetUpTestSuite(): exit status 3 (the process exited during the test)");
  EXPECT_EQ(BinaryEndedInTest(Exit(2), ""),
            "crashed: the test binary ended during the test: exit status 2");
  EXPECT_EQ(BinaryEndedInTest(Exit(0), "mprun killed it"), "crashed: mprun killed it");
}

TEST(VerdictTest, ATimeoutSaysItsLimitAndWhyThereIsNoBacktrace) {
  const Verdict plain =
      TimedOutInWorker(2.5, "(--process-timeout)", WorkerPhase::kTest, true, true);
  EXPECT_EQ(plain.outcome, Outcome::kTimedOut);
  EXPECT_EQ(plain.message,
            "timed out: still running after 2.5s (--process-timeout); the worker was killed");
  const Verdict fought = TimedOutInWorker(1, "(x)", WorkerPhase::kSuiteSetUp, true, false);
  EXPECT_NE(fought.message.find("timed out in SetUpTestSuite(): still running after 1s (x)"),
            std::string::npos);
  EXPECT_NE(fought.message.find("no backtrace: the test kept the worker"), std::string::npos);
  EXPECT_EQ(
      TimedOutInWorker(1, "(x)", WorkerPhase::kTest, false, false).message.find("no backtrace"),
      std::string::npos);
}

}  // namespace
}  // namespace mprun::core
