// The decision core: every rule that turns what was seen of a run into a
// verdict or an action, each written once, in pure code. No processes, no
// clock, no shared memory: the supervisor (runner/run/supervisor.cc) and the
// driver-mode worker (runner/worker/driver_executor.cc) read the facts (a worker's
// slot, a claim word, an exit status, the time) at the moment that matters,
// hand them here, and do what comes back. Unit-tested with plain values and
// a fake clock in tests/unit/decisions_test.cc.
//
// Why facts in and decisions out, not a queue of events: the facts that
// make a verdict exact (has this test's result been published? does this
// lease still hold its claim?) live in shared memory and must be read at the
// instant of the decision, after the worker's ring was drained. A verdict
// taken on an event queued earlier is the kind of gap the timeout bug lived
// in; the adapters read, this file decides.
//
// Where each rule lives:
//   a worker's death: what it blames            JudgeWorkerExit
//   deaths before any test: when to give up     GiveUpCounts
//   a deadline: timed out, or finished in time  TimeoutRules::AtDeadline
//   limits, grace, hand-back of batch-mates     TimeoutRules
//   retries, --repeat-each, flaky, fail-fast    AttemptBook
//   interrupt grace, the exit grace             StopRules
//   serial/exclusive phase; which slot starts   SerialPhaseDue, ShouldStartWorker
//   batch sizes; --process-restartworker        BatchSize, ContendedBatchTimeNs,
//                                               TakesAnotherBatch
//   driver launches: after a binary ended       LaunchBook
//   driver launches refused: back-off           ShortageBackoff
//   messages of crashes and timeouts            CrashedInWorker, TimedOutMessage, ...
#ifndef MPRUN_CORE_RULES_DECISIONS_H_
#define MPRUN_CORE_RULES_DECISIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"
#include "core/results.h"
#include "core/rules/worker_phase.h"

namespace mprun::core {

// --- Give-up counts: how often a thing may fail in a row before the run
// stops trying it.

// Linked mode: workers dying before any test means the binary or its
// environment is broken.
inline constexpr int kWorkerDeathsBeforeAnyTest = 3;
// Driver mode: a worker killed while launching its binary was killed from
// outside (the OOM killer, a user); its batch runs again, up to this.
inline constexpr int kLaunchDeathsInARow = 10;
// Driver mode: a binary that ends before its first test, per worker.
inline constexpr int kLaunchesWithoutATest = 3;
// Driver mode: launches refused for want of resources while no binary of the
// run began a test, for this long, fail their tests.
inline constexpr uint64_t kShortageLimitNs = 8'000'000'000;

// Words for a phase: "in SetUpTestSuite()", "between tests"...
const char* PhaseWords(WorkerPhase phase, bool driver);
// "10s", "0.5s".
std::string Seconds(double s);

// --- A worker process has ended.

struct WorkerExit {
  ProcessEnd end;
  bool said_done = false;           // it found no work and was leaving (state kDone)
  bool killed_by_stop = false;      // mprun ended the run (interrupt, fail-fast, fatal)
  bool killed_for_timeout = false;  // killed while starting, or after its timeout
  bool timeout_decided = false;     // one of its deadlines passed: that verdict is final
  // The test the decided timeout names has no result yet and is this
  // worker's (false when the deadline passed outside a test).
  bool timed_out_test_open = false;
  // Its `current` names a test without a result that its lease holds.
  bool running_open = false;
  WorkerPhase phase = WorkerPhase::kIdle;  // at the end (at the timeout, if decided)
};

enum class ExitVerdict {
  kNoBlame,          // left normally, or stopped by mprun
  kTimedOut,         // the test the timeout named
  kCrashed,          // the test `current` names
  kDiedOutsideTest,  // between tests, in an environment, or starting
};

struct ExitJudgement {
  ExitVerdict verdict = ExitVerdict::kNoBlame;
  // It did not leave normally: tests it took but never claimed may be in
  // flight, and are swept up.
  bool died = false;
  // The blamed (or running) test is kept out of the requeue of what it held.
  bool keep_running = false;
};

ExitJudgement JudgeWorkerExit(const WorkerExit& exit);

// Deaths outside any test, counted until a test reports.
class GiveUpCounts {
 public:
  explicit GiveUpCounts(int max_deaths_before_any_test = kWorkerDeathsBeforeAnyTest)
      : max_(max_deaths_before_any_test) {}
  // A record came in: the workers work.
  void Reported() { deaths_ = launch_deaths_ = 0; }
  // A worker died outside a test; `had_records`: it reported something
  // first; `launching`: driver mode, while its binary started. True when
  // the run must stop.
  bool DiedOutsideTests(bool had_records, bool launching);
  int in_a_row() const { return deaths_; }

 private:
  int max_;
  int deaths_ = 0;
  int launch_deaths_ = 0;
};

// --- Time limits.

struct DeadlineFacts {
  // After draining its ring, the worker's current-word is not the one whose
  // deadline passed: that test finished in time.
  bool current_moved = false;
  // The word names a test of the run; it has no result yet and this lease
  // holds it.
  bool names_a_test = false;
  bool test_open = false;
  // This word was already looked at again once.
  bool rechecked = false;
  WorkerPhase phase = WorkerPhase::kIdle;
};

enum class DeadlineAction {
  kMovedOn,    // judge the worker's next word now
  kLookAgain,  // the result just came in; look once more at RecheckAt
  kTimedOut,   // final: the verdict stands whatever arrives later
};

struct DeadlineJudgement {
  DeadlineAction action = DeadlineAction::kMovedOn;
  bool blames_test = false;  // timed out inside the test (or its SetUpTestSuite)
};

// Without --process-timeout every test has its own limit, one that never
// kills a healthy test: 5 times the longest of its recorded durations and
// at least a minute; a test without history gets a quarter of an hour
// (ctest's default is 25 minutes; nose's 10 s suits Python unit tests, not
// C++ suites with healthy minute-long tests). The phases outside a test
// (a worker's start, SetUpTestSuite, between tests) have the latter.
inline constexpr double kAutoLimitFloorS = 60;
inline constexpr double kAutoLimitFactor = 5;
inline constexpr double kUnknownTestLimitS = 900;
// The automatic limit of a test whose longest recorded run took
// `longest_ms` (0 or less: never seen).
double AutoLimitS(double longest_ms);

// How long each test may run, and when it counts as slow.
struct TimeLimits {
  double run_limit_s = 0;  // every phase; 0: none
  // Per test of the table, its own limit while it runs (its kTest phase),
  // 0: none; empty: run_limit_s for every test.
  std::vector<double> test_limits_s;
  // Per test, whether its limit is its own (a CTest TIMEOUT), not the run's
  // rule (for the message); empty: none is.
  std::vector<bool> own_limits;
  bool automatic = false;         // the run's rule is AutoLimitS (for the message)
  double slow_after_s = 0;        // a test running this long is slow; 0: never
  int dump_grace_ms = 1000;       // backtrace time after the decision (0: kill at once)
  int hand_back_after_ms = 1000;  // a test this long hands back its batch-mates
  // Driver mode: a launch's start-up (its binary, before its first test;
  // kEnvironmentSetUp) is given at least this long: starting a binary is
  // not a test, and on a loaded machine (many workers, sanitizers) it can
  // take longer than a tight limit meant for tests. 0: no floor.
  double launch_start_floor_s = 0;
  // ctest's --stop-time, in the clock of the deadlines: no test runs past
  // it (each deadline is at most this); 0: none.
  uint64_t stop_at_ns = 0;
};

// The start-up a launch is given at least (TimeLimits::launch_start_floor_s).
inline constexpr double kLaunchStartFloorS = 10;

class TimeoutRules {
 public:
  explicit TimeoutRules(const TimeLimits& limits);
  bool limited() const { return any_limit_; }
  // The limit of the word naming `test` (kNoTest-like values: none) in
  // `phase`, in seconds (0: none) for messages.
  double LimitS(uint32_t test, WorkerPhase phase) const;
  // Where that limit came from, for messages: "(--process-timeout)", ...
  std::string LimitSource(uint32_t test, WorkerPhase phase) const;
  // The deadline of a word: its start, its limit, and the time the run
  // spent suspended while it was current.
  uint64_t DeadlineOf(uint32_t test, WorkerPhase phase, uint64_t started_ns,
                      uint64_t paused_ns) const;
  // Whether that deadline is the stop time (TimeLimits::stop_at_ns), not
  // the word's own limit.
  bool CutByStopTime(uint32_t test, WorkerPhase phase, uint64_t started_ns,
                     uint64_t paused_ns) const;
  uint64_t stop_at_ns() const { return stop_at_ns_; }
  // A worker still starting (its global environments) has the run's limit.
  uint64_t StartupDeadline(uint64_t launched_ns) const { return launched_ns + run_limit_ns_; }
  // A test running this long makes the worker hand back the tests it holds
  // but has not started.
  uint64_t HandBackAt(uint64_t started_ns) const { return started_ns + hand_back_ns_; }
  // When a test started at `started_ns` becomes slow (never: UINT64_MAX / 4).
  uint64_t SlowAt(uint64_t started_ns, uint64_t paused_ns) const {
    return started_ns + slow_ns_ + paused_ns;
  }
  bool announces_slow() const { return slow_ns_ != kNever; }
  double slow_after_s() const { return slow_after_s_; }
  DeadlineJudgement AtDeadline(const DeadlineFacts& facts) const;
  uint64_t RecheckAt(uint64_t now_ns) const { return now_ns + kRecheckNs; }
  // After the decision: a backtrace is asked for (the dump signal) and the
  // kill waits for it until KillAt; without a grace the kill is at once.
  bool wants_backtrace() const { return dump_grace_ns_ > 0; }
  uint64_t KillAt(uint64_t decided_ns) const { return decided_ns + dump_grace_ns_; }
  bool KillNow(bool backtrace_written, uint64_t now_ns, uint64_t kill_at_ns) const {
    return backtrace_written || now_ns >= kill_at_ns;
  }

 private:
  static constexpr uint64_t kNever = UINT64_MAX / 4;
  static constexpr uint64_t kRecheckNs = 1'000'000;
  static uint64_t Ns(double s) { return s > 0 ? static_cast<uint64_t>(s * 1e9) : kNever; }
  bool OwnLimit(uint32_t test, WorkerPhase phase) const {
    return phase == WorkerPhase::kTest && test < test_limits_ns_.size();
  }
  // A launch's start-up, with its floor.
  bool Floored(WorkerPhase phase) const {
    return phase == WorkerPhase::kEnvironmentSetUp && launch_floor_s_ > 0 &&
           run_limit_ns_ != kNever && run_limit_s_ < launch_floor_s_;
  }
  double run_limit_s_;
  uint64_t run_limit_ns_;
  std::vector<double> test_limits_s_;
  std::vector<uint64_t> test_limits_ns_;
  std::vector<bool> own_limits_;
  bool automatic_;
  bool any_limit_;
  double slow_after_s_;
  uint64_t slow_ns_;
  uint64_t dump_grace_ns_;
  uint64_t hand_back_ns_;
  double launch_floor_s_;
  uint64_t stop_at_ns_;
  uint64_t LimitNs(uint32_t test, WorkerPhase phase) const;
};

// --- Results: retries, --repeat-each, flaky, fail-fast.

struct AttemptRules {
  int retries = 0;  // a failed, crashed or timed-out test runs again up to this
  bool flaky_fails = false;
  int repeat_each = 1;  // a passed test runs again until it ran this often
  bool stop_on_failure = false;
  bool timeouts_only = false;  // only a timed-out test runs again (ctest's after-timeout)
};

enum class AttemptAction {
  kRecord,  // the result is final
  kRepeat,  // --repeat-each: queue it again
  kRetry,   // a failure with retries left: queue it again, say so
};

class AttemptBook {
 public:
  AttemptBook(size_t tests, AttemptRules rules);
  // A result of `test`. `may_run_again`: it could be queued once more (the
  // run is not stopping and the claim is still this worker's). The result
  // is adjusted in place (attempts, earlier attempts, median duration,
  // flaky) when it is to be recorded.
  AttemptAction Judge(uint32_t test, TestResult& result, bool may_run_again);
  // A failure was recorded under fail-fast: no new test may start.
  bool stop_requested() const { return stop_requested_; }

 private:
  AttemptRules rules_;
  std::vector<uint32_t> attempts_;
  std::vector<std::vector<Attempt>> earlier_;
  std::vector<std::vector<uint64_t>> samples_;
  bool stop_requested_ = false;
};

// --- Stopping.

class StopRules {
 public:
  StopRules(int interrupt_grace_ms, int exit_grace_ms)
      : interrupt_grace_ns_(static_cast<uint64_t>(interrupt_grace_ms > 0 ? interrupt_grace_ms : 0) *
                            1'000'000),
        exit_grace_ns_(static_cast<uint64_t>(exit_grace_ms > 0 ? exit_grace_ms : 0) * 1'000'000) {}
  enum class Interrupt { kDrain, kStopNow };
  // SIGINT/SIGTERM/SIGHUP: the first lets running tests finish within the
  // grace; a second, or no grace, or a run already stopping, stops now.
  Interrupt Interrupted(uint64_t now_ns, bool stopping);
  bool draining() const { return draining_; }
  // The drain ends when nobody runs anything, or at its deadline.
  bool DrainOver(uint64_t now_ns, uint32_t live_workers) const {
    return draining_ && (live_workers == 0 || now_ns >= drain_deadline_ns_);
  }
  // Every test has its result: workers have the exit grace to leave. True
  // when it is over (the first call starts it).
  bool ExitGraceOver(uint64_t now_ns);
  // The run was suspended for `ns`: deadlines move.
  void Paused(uint64_t ns);
  double interrupt_grace_s() const { return static_cast<double>(interrupt_grace_ns_) / 1e9; }
  double exit_grace_s() const { return static_cast<double>(exit_grace_ns_) / 1e9; }

 private:
  uint64_t interrupt_grace_ns_;
  uint64_t exit_grace_ns_;
  bool draining_ = false;
  uint64_t drain_deadline_ns_ = 0;
  uint64_t exit_deadline_ns_ = 0;
};

// --- Starting workers.

// The serial phase (serial and exclusive tests, by one worker, nothing else
// running) begins once every other test has its result and every worker
// has left.
bool SerialPhaseDue(bool begun, size_t serial_tests, uint32_t live_workers, size_t finished,
                    size_t tests);

struct SlotFacts {
  bool live = false;
  bool own_work = false;     // its deque holds tests
  bool retry_later = false;  // its last launch failed less than a second ago
};

// Whether an empty slot gets a worker process. A worker that left normally
// found no work anywhere, so a slot is started only for work queued on it,
// when nobody is left to steal what is queued, or for a test on the
// supervisor's deque (handed back, or to run again: one slot each; `spare`
// counts them down).
bool ShouldStartWorker(const SlotFacts& slot, uint32_t slot_index, bool serial_phase,
                       uint32_t live_workers, bool nobody_was_left, uint64_t queued,
                       uint32_t* spare);

// --- A worker's batches.

// How many tests a worker takes at once: enough to fill `batch_time_ns` at
// the mean duration seen (or expected from history), 1 to `max_batch`;
// `first_batch` while no duration is known. A batch that is a launch of a
// binary (driver mode, mprun ctest) pays a start-up, so a launching worker
// passes what its own deque still holds (`own_queued`; linked mode passes
// 0): once durations are known its batch is at least half of that (guided
// self-scheduling). Launches are then few and large while much is left,
// and small at the end, where stealing makes the balance.
uint32_t BatchSize(double mean_test_ns, double batch_time_ns, uint32_t max_batch,
                   uint32_t first_batch, uint64_t own_queued = 0);
// The batch time of launches when `workers` start binaries on `usable_cpus`
// cores: a start-up takes workers/cores times as long when more workers
// than cores start at once (as they do at the beginning), so the time a
// batch aims at grows with it; `batch_time_ns` where workers <= cores.
double ContendedBatchTimeNs(double batch_time_ns, uint32_t workers, int usable_cpus);
// A test still running this long (after a start at `started_ns`; the tests
// finished so far took `mean_finished_ns` on average, 0 if none) is long for
// its run: its unstarted neighbours in its suite are taken first
// (core::NeighbourUnits), since long tests sit together. Ten times the
// mean, and never under 50 ms.
inline constexpr uint64_t kLongTestFloorNs = 50'000'000;
inline constexpr double kLongTestMeans = 10;
uint64_t LongTestAt(uint64_t started_ns, uint64_t paused_ns, double mean_finished_ns);
// Whether a worker takes another batch: not once the run stops, and under
// --process-restartworker not after its first (a fresh process takes the
// next).
bool TakesAnotherBatch(bool stop_requested, bool restart_after_batch, bool took_one);

// --- Driver mode: launches of a binary.

struct LaunchEnd {
  bool ran_any = false;           // at least one `[ RUN ]` was followed
  bool tests_left = false;        // tests of the launch never started
  bool shim_fork_failed = false;  // the shim could not fork the binary
  bool died = false;              // see BinaryDied
};

enum class AfterLaunch {
  kDone,            // every test of the launch has its result
  kShortage,        // a refused launch: ShortageBackoff decides
  kTryAgain,        // nothing ran: try again (another worker may)
  kFailNothingRan,  // nothing ran, kLaunchesWithoutATest times in a row
  kGiveBackRest,    // died after some tests: a fresh launch runs the rest
  kFailRest,        // exited after some tests without running the rest
};

// The binary died rather than ended: by a signal, in a test, or with an
// exit status above gtest's 1 ("some tests failed").
bool BinaryDied(const ProcessEnd& end, bool crashed_in_test);

class LaunchBook {
 public:
  explicit LaunchBook(int max_without_a_test = kLaunchesWithoutATest)
      : max_without_a_test_(max_without_a_test) {}
  AfterLaunch Judge(uint32_t binary, const LaunchEnd& end);
  int without_a_test(uint32_t binary) const;
  // The outcome of tests failed by a binary that ran none of its tests.
  static Outcome OutcomeWhenNothingRan(bool died) {
    return died ? Outcome::kCrashed : Outcome::kFailed;
  }

 private:
  int max_without_a_test_;
  std::map<uint32_t, int> without_a_test_;
};

// Launches refused by the machine (no process, descriptor or memory): the
// tests go back, and the worker pauses, longer each time, to half a second.
// While the run gets through (other binaries start tests) it waits however
// long; only when no binary began a test for kShortageLimitNs are tests
// failed.
class ShortageBackoff {
 public:
  explicit ShortageBackoff(uint64_t limit_ns = kShortageLimitNs) : limit_ns_(limit_ns) {}
  struct Decision {
    bool fail = false;
    uint64_t short_for_ns = 0;  // since the run last got through
    int pause_ms = 0;
  };
  // `got_through`: some binary of the run began a test since the last look.
  Decision Refused(uint64_t now_ns, bool got_through);
  void LaunchRan() { refused_ = 0; }

 private:
  uint64_t limit_ns_;
  int refused_ = 0;
  uint64_t short_since_ns_ = 0;
};

// --- What a verdict says.

// A test whose worker process died in it (linked mode).
struct Verdict {
  Outcome outcome = Outcome::kCrashed;
  std::string message;
  std::string signal;  // "SIGSEGV", when a signal ended it
};
Verdict CrashedInWorker(const ProcessEnd& end, WorkerPhase phase);
Verdict TimedOutInWorker(double limit_s, const std::string& source, WorkerPhase phase,
                         bool wanted_backtrace, bool got_backtrace);
// Driver mode: the binary ended during the test; `note` replaces the
// description of its end when mprun ended it.
std::string BinaryEndedInTest(const ProcessEnd& end, std::string_view note);

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_DECISIONS_H_
