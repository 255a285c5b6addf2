// The worker side of a run. Called only inside a worker process (forked by
// the supervisor): it prepares the process (output capture, signals,
// environment, pinning), takes batches of tests and reports what happens to
// each through its slot and result ring. How a test is executed is the
// executor's business (gtest_executor.h in linked mode, driver_executor.h in
// driver mode); it calls WorkerRuntime in the order events happen.
//
// A worker writes only its own slot and ring, plus claim words and deque
// words: through BatchTaker, and GiveBack's push onto its own deque. It
// never decides an outcome the supervisor cannot check: a record says what
// the test reported; deaths and timeouts are judged by the supervisor.
#ifndef MPRUN_RUNNER_WORKER_WORKER_H_
#define MPRUN_RUNNER_WORKER_WORKER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"
#include "shm/batch_taker.h"
#include "shm/doorbell.h"
#include "shm/result_ring.h"
#include "shm/segment.h"

namespace mprun::runner {

// What a freshly forked worker process needs to know.
struct WorkerConfig {
  uint32_t slot = 0;
  uint32_t lease = 0;
  uint32_t workers = 1;
  int output_fd = -1;    // memfd that becomes stdout and stderr
  int pin_cpu = -1;      // CPU to pin to, or -1
  std::string temp_dir;  // private TMPDIR / TEST_TMPDIR, already created
  bool restart_after_batch = false;
  // Batches aim at this much measured test time (long enough that taking a
  // batch costs nothing, short enough that a claimed batch, which can no
  // longer be stolen, does not unbalance the end), at most max_batch tests.
  double batch_time_ns = 2e6;
  uint32_t max_batch = 64;
  // The mean test time the history expects (0: unknown): sizes the first
  // batch before the worker has measured a test of its own.
  double expected_mean_test_ns = 0;
  // Tests in a batch before any duration is known (or expected).
  uint32_t first_batch = 1;
  // Each batch is a launch of a binary (driver mode, mprun ctest): batches
  // are at least half of the worker's own deque once durations are known
  // (core::BatchSize).
  bool batches_are_launches = false;
  // ctest's --test-load: no batch is taken while the 1-minute load
  // average, rounded up, is this or more, except by the first worker alive
  // (one always runs); 0: no such wait.
  int test_load = 0;
  // Whether the timeout signal makes the worker write its own backtrace
  // (linked mode: the test runs in it); otherwise the signal is ignored.
  bool dump_backtrace = true;
};

// A worker's output file is a sparse memfd of this size, so that the worker
// can map all of it (see WorkerRuntime::output_map_); the supervisor finds
// the end of what was written from the file offset, not the size.
inline constexpr uint64_t kOutputFileSpan = uint64_t{16} << 30;

// The signal the supervisor sends a worker whose test timed out: the worker
// writes a backtrace into its output and ends (the supervisor SIGKILLs its
// group after that, or when no backtrace comes within the grace).
int TimeoutDumpSignal();
// How a worker ends itself once it has written a timed-out test's backtrace.
inline constexpr int kTimedOutExitCode = 124;

// In the child right after fork: output capture, signal dispositions,
// environment, pinning, slot registration. Returns false (with `err`) when
// the process cannot serve as a worker.
bool PrepareWorkerProcess(shm::Segment& segment, const shm::Doorbell& bell,
                          const WorkerConfig& config, std::string* err);

// The normal end of a worker process: flushes output, tells the supervisor
// the exit is deliberate, and leaves without running atexit handlers or
// static destructors (they belong to the supervisor's copy of the program).
[[noreturn]] void ExitWorkerProcess(shm::Segment& segment, uint32_t slot);

class WorkerRuntime {
 public:
  WorkerRuntime(shm::Segment& segment, shm::Doorbell& bell, const WorkerConfig& config);

  // Claims the next tests into `out` (in table order); empty when there is
  // no work left, the supervisor said stop, or (restart mode) a batch is done.
  void NextBatch(std::vector<uint32_t>* out);

  // Just before running `tests` (a group the executor runs in one go):
  // marks each as started, dropping those the supervisor took back while
  // they waited (they are queued for another worker).
  void StartTests(std::vector<uint32_t>* tests);
  // Puts tests this worker holds (started or not) but did not run back on
  // its deque for anyone (driver mode: the test binary died before them).
  // A SIGKILL between the two steps leaves them unclaimed and in no deque,
  // which the supervisor's sweep after a death repairs.
  void GiveBack(std::span<const uint32_t> tests);
  // After GiveBack of tests no process ever began (driver mode: a binary
  // that died at start-up, or one the system would not start): with
  // --process-restartworker the worker may take a batch again, since the
  // fresh process it would be replaced by starts no differently, and its
  // count of failed launches, which ends such retries, must go on.
  void BatchUnused() { batch_taken_ = false; }
  // The same for one test: false when the supervisor took it back.
  bool StartTest(uint32_t test);
  // True when `test` belongs to a unit of several tests (a suite kept whole):
  // such a group is started in one go, never piecemeal.
  bool InUnit(uint32_t test) const;

  // Events, in the order they happen. `first`/`last` name tests of the suite
  // whose fixture runs, so a death there can be attributed.
  // The filter executor sets up the global environments again for each
  // batch; a death there is the environment's, not `first`'s.
  void EnvironmentSetUp(uint32_t first);
  void SuiteSetUp(uint32_t first);
  void TestStarted(uint32_t test);
  // Driver mode: the binary printed a suite's heading, before its
  // SetUpTestSuite; the next test's record says how long it was until the
  // test began (every other test's record of a launch says 0).
  void SuiteHeading();
  // `signal`: the signal that ended a test binary during the test (driver
  // mode's crashes), or 0. `reported_ms`: the duration the test binary
  // printed for it (driver mode), or -1; it corrects ours when the lines
  // were read late.
  void TestFinished(uint32_t test, core::Outcome outcome, std::string_view message, int signal = 0,
                    int64_t reported_ms = -1);
  void SuiteTearDown(uint32_t last);
  // A failure outside any test (e.g. TearDownTestSuite), reported with `test`
  // for context.
  void RunError(uint32_t test, std::string_view message);
  // Driver mode: the launch that ran `last` ended otherwise than its tests
  // did (shm::RecordKind::kProgramDisagrees); `program_failed`: its exit
  // says it failed.
  void ProgramDisagrees(uint32_t last, bool program_failed, std::string_view message);
  void Idle();

  // The supervisor asked workers to stop taking tests.
  bool StopRequested() const;
  // Driver mode: the process group of the binary being run (0: none).
  void SetChildGroup(pid_t group);
  // Driver mode: a launch of the binary began a test (once per launch).
  void LaunchRan();
  // Driver mode, for a worker whose launches the system refuses: whether
  // the run still gets through -- a launch anywhere began a test since the
  // last look (`*mark`, updated), or another worker's binary is inside a
  // test now (it will end and free what it holds).
  bool AnyTestStartedSince(uint64_t* mark) const;

 private:
  uint64_t OutputOffset();
  void Publish(const shm::ResultRecord& record, std::string_view text);
  void SetCurrent(uint32_t test, shm::WorkerPhase phase);

  shm::Segment& segment_;
  shm::Doorbell& bell_;
  shm::WorkerSlot& slot_;
  uint32_t lease_;
  shm::BatchTaker taker_;
  shm::RingProducer ring_;
  bool restart_after_batch_;
  uint32_t slot_index_;
  double batch_time_ns_;
  uint32_t max_batch_;
  uint32_t first_batch_;
  bool batches_are_launches_;
  int test_load_;
  bool batch_taken_ = false;
  // --test-load: waits while the machine is that busy (ctest's rule; its
  // fake load for tests is honoured too), unless no worker in an earlier
  // slot is alive: one always runs.
  void WaitForLoad() const;
  bool EarlierAlive() const;
  bool OutputMayHaveGrown();

  uint64_t test_start_ns_ = 0;
  uint64_t heading_ns_ = 0;       // SuiteHeading's time, until the next test starts
  uint64_t suite_set_up_ns_ = 0;  // the current test's: from the heading to its start
  // Each test's output is the slice of the output file since the previous
  // test's end (output between tests, e.g. of SetUpTestSuite, goes with the
  // next test). Asking the kernel for the offset costs an lseek(2) per test,
  // a fifth of the cost of a trivial test; instead the worker maps the
  // (sparse, pre-sized) output file and looks at the byte at the mark: still
  // zero means nothing was written since. A write that begins with a NUL
  // byte is not seen until the next test that prints.
  uint64_t output_mark_ = 0;
  const volatile char* output_map_ = nullptr;
  uint64_t output_map_size_ = 0;
  // A moving average of this worker's test durations (seeded with
  // WorkerConfig::expected_mean_test_ns): NextBatch asks for
  // batch_time_ns_ / mean_test_ns_ tests (launches: or half its own
  // deque), clamped to [1, max_batch_], and for first_batch_ while it is 0.
  double mean_test_ns_ = 0;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_WORKER_WORKER_H_
