// Supervisor: the parent of a run and the single owner of outcomes. It starts
// the workers, drains their result rings into the ledger and the reporters,
// watches their slots for timeouts, and when a worker dies it blames the test
// it was in, moves the tests it held back to a deque and starts a
// replacement. Runs in the supervisor process only, single-threaded.
//
// One poll() waits on the doorbell, the signal fd and one pidfd per worker,
// with the nearest test deadline (or the tick) as timeout.
#ifndef MPRUN_RUNNER_RUN_SUPERVISOR_H_
#define MPRUN_RUNNER_RUN_SUPERVISOR_H_

#include <poll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/report/reporter.h"
#include "core/results.h"
#include "core/rules/decisions.h"
#include "runner/process/spawner.h"
#include "runner/run/deadline_watch.h"
#include "shm/doorbell.h"
#include "shm/segment.h"

namespace mprun::runner {

struct SupervisorOptions {
  double timeout_s = 10;  // every phase's limit; 0 = none (core::TimeLimits)
  // Per test of the table, its own limit while it runs (0: none); empty:
  // timeout_s. `auto_limits`: they are core::AutoLimitS's (for messages).
  std::vector<double> test_limits_s;
  std::vector<bool> own_limits;  // per test: its limit is the way in's (core::TimeLimits)
  bool auto_limits = false;
  // A test running this long is announced as slow (Reporter::OnSlow); 0: never.
  double slow_after_s = 0;
  // Without durations: the run's plan, whose units beside a test that runs
  // long (core::LongTestAt) are queued on the supervisor's deque, which
  // workers take from first. Null: none are.
  const core::Plan* neighbours_of = nullptr;
  bool restart_worker = false;
  // Workers that die before running any test this many times in a row mean
  // the binary or its environment is broken: the run stops.
  int max_deaths_before_any_test = core::kWorkerDeathsBeforeAnyTest;
  int tick_ms = 50;
  // After the timeout signal, how long the worker has to write its backtrace.
  int dump_grace_ms = 1000;
  // After the last result, how long workers have to tear down and exit.
  int exit_grace_ms = 10000;
  // Output kept per test that did not pass (its tail).
  size_t max_output_bytes = 1 << 20;
  // A test running this long makes the supervisor take back the tests its
  // worker holds but has not started (they go to another worker).
  int hand_back_after_ms = 1000;
  // Keep the output of passing tests too (--show-output=all).
  bool keep_passing_output = false;
  // Called after a worker process ended and was accounted for.
  std::function<void(uint32_t slot, uint32_t lease)> on_worker_ended;
  // Deque items (unit heads) of the serial suites: queued, to one worker,
  // only once every other test has its result and no worker is left.
  std::vector<uint32_t> serial_items;
  // Stop handing out work at the first failure; the rest are not_run.
  bool stop_on_failure = false;
  // A terminal to read keys from (`t`: what is running now), or -1.
  int input_fd = -1;
  // Run a failed, crashed or timed-out test again up to this many times; a
  // pass after a failure is flaky, and counts as passed unless flaky_fails.
  int retries = 0;
  bool flaky_fails = false;
  bool retry_timeouts_only = false;  // only timed-out tests are retried
  // After the first SIGINT/SIGTERM/SIGHUP, how long running tests have to
  // finish (no new test starts); then, or at a second signal, everything is
  // killed. 0: killed at once.
  int interrupt_grace_ms = 3000;
  // Driver mode: a worker that dies before the binary's first `[ RUN ]` was
  // read is launching it, not in a global environment (see
  // NoteDeathOutsideTests).
  bool driver_launches = false;
  // --repeat-each: a test that passed is queued again (any worker may take
  // it) until it ran this many times; its result carries every duration.
  int repeat_each = 1;
  // ctest's --stop-time, in now_ns's clock (0: none): each test's deadline
  // is at most this; then the run stops, the rest not run, with an error.
  uint64_t stop_at_ns = 0;
};

// Driver mode: a binary whose launch ended otherwise than its tests did
// (shm::RecordKind::kProgramDisagrees), once per binary and word.
struct ProgramDisagreement {
  uint32_t binary = 0;
  bool program_failed = false;  // it failed though its tests passed (else: the reverse)
  std::string what;             // the first such launch, told by its worker
  int launches = 0;             // how many launches said so
  // `what`, with how many more launches said so after its first line.
  std::string Told() const;
};

class Supervisor : private DeadlineWatch::Hands {
 public:
  Supervisor(shm::Segment& segment, shm::Doorbell& bell, Spawner& launcher,
             const core::RunInfo& run, core::Ledger& ledger, std::vector<core::Reporter*> reporters,
             SupervisorOptions options, std::function<uint64_t()> now_ns);

  // The whole run: Start, Step until Finished, then the end of run reports.
  // `signal_fd` (a signalfd, or -1) interrupts the run when readable, except
  // for SIGUSR1, which asks the reporters to show what is running.
  core::RunSummary Run(int signal_fd);

  // The parts of Run, for tests that drive a fake launcher.
  bool Start();
  void Step(int max_wait_ms, int signal_fd);
  bool Finished() const;
  // The first call stops new tests and lets the running ones finish within
  // interrupt_grace_ms; a second one (or the end of the grace) kills them.
  void Interrupt(const std::string& why);
  void Finish();  // records what never finished as not_run; reports the end
  // A failure outside any test (e.g. a shared environment's TearDown).
  void AddRunError(const std::string& error) { summary_.errors.push_back(error); }
  // What made the run worse, not wrong (in the summary and the reports).
  void AddWarning(const std::string& warning) { summary_.warnings.push_back(warning); }
  // The run cannot start (e.g. a shared environment's SetUp failed): every
  // test is not_run, with `error` said once.
  void FailBeforeStart(const std::string& error);
  const core::RunSummary& summary() const { return summary_; }
  const core::Ledger& ledger() const { return ledger_; }
  // The programs whose exit disagreed with their tests, for the way in to
  // settle (mprun ctest runs such a program whole, as ctest does). Those
  // not taken before Finish are the run's: a program that failed though
  // its tests passed is an error of the run, the reverse a warning.
  std::vector<ProgramDisagreement> TakeDisagreements() { return std::move(disagreements_); }
  uint32_t live_workers() const;
  uint32_t launches() const { return launches_; }
  // The serial phase (serial and exclusive tests, one worker, nothing else
  // running) has begun: a worker launched now runs it.
  bool quiet_phase() const { return serial_phase_; }
  // Findings about the run's durations, for the end-of-run reports (before
  // Finish).
  void SetPerfReport(core::PerfReport report) { summary_.perf = std::move(report); }

 private:
  struct Worker {
    bool live = false;
    LaunchedWorker proc;
    uint32_t lease = 0;
    uint64_t output_consumed = 0;
    uint64_t records = 0;
    // Its deadlines and what they decided: watch_. A timed-out test's
    // worker is killed and never trusted again with that test (a record of
    // it arriving later is dropped).
    bool killed_by_stop = false;
  };

  bool Launch(uint32_t slot);
  void DrainAll();
  void Drain(uint32_t slot) override;
  void OnRecord(uint32_t slot, const shm::ResultRecord& record, std::string_view text);
  void OnDisagreement(const shm::ResultRecord& record, std::string_view text);
  void HandleExit(uint32_t slot);
  // The test of `packed` (a current-word of the worker in `slot`) ended with
  // its worker: crashed, or timed_out.
  void BlameRunning(uint32_t slot, uint64_t packed, const core::ProcessEnd& end, uint32_t phase,
                    bool timed_out);
  void NoteDeathOutsideTests(uint32_t slot, const core::ProcessEnd& end, uint32_t phase,
                             uint32_t last_test);
  // Every live worker's deadlines (watch_).
  void CheckTimeouts(uint64_t now, uint64_t* next_event);
  // What the deadline watch asks for (DeadlineWatch::Hands).
  bool TakeBackUnstarted(uint32_t slot) override;
  void QueueNeighbours(uint32_t test) override;
  void AnnounceSlow(uint32_t slot, uint32_t test, uint64_t now) override;
  void AnnounceTimeout(uint32_t slot, uint32_t test, uint64_t now) override;
  void Kill(uint32_t slot) override;
  void SignalDump(uint32_t slot) override;
  core::Progress Snapshot(bool with_output) const;
  void EnsureWorkers();
  void Complete(const std::string& test_message);
  void StopAll(const std::string& why);
  void Fatal(const std::string& message);
  std::string ReadOutput(const Worker& w, uint64_t begin, uint64_t end, uint64_t* dropped) const;
  // Records a result, or, when it is a failure with retries left, queues the
  // test again (`lease` holds its claim) and keeps the attempt.
  void Report(uint32_t test, core::TestResult result, uint32_t lease = 0);
  // Whether `test` (its claim held by `lease`) could run once more: the run
  // is not stopping and the claim is still the lease's.
  bool MayRunAgain(uint32_t test, uint32_t lease) const;
  // Takes the claim and queues `test` on the supervisor's deque; false (the
  // claim left as it was) when it cannot.
  bool RunAgain(uint32_t test);
  void RecoverFailedLaunch(uint32_t slot);
  // After a worker process is gone: the unfinished tests its lease held,
  // except `running` (blamed instead), and if it `died`, tests it left in
  // flight, are queued again on its deque.
  void RequeueWhatWasHeld(uint32_t slot, uint32_t running, bool died);
  // Finished, or (serial tests before their phase) not to be run yet: what
  // the recovery sweeps must leave alone.
  bool MustNotRequeue(uint32_t test) const;
  // `test` has no result yet and the lease of the worker in `slot` holds it.
  bool HeldOpen(uint32_t slot, uint32_t test) const override;
  bool QueueSerialPhase();
  // SIGTSTP: stops every worker's group, then the supervisor itself; on
  // SIGCONT resumes them and gives running tests the time lost.
  void Suspend();
  void ResumeWorkers(uint64_t paused_ns);
  // Interrupted: no new test starts, or requeued.
  bool Draining() const { return stops_.draining() || stopping_; }
  // The parts of Step: one poll over the doorbell, the signal fd, the keys
  // and the workers' pidfds; what was read; what it ends.
  struct Wakeup {
    std::vector<pollfd> fds;
    std::vector<uint32_t> slot_of;  // per fd: a worker slot, or one of the kFd* below
    int ready = 0;
  };
  Wakeup Wait(uint64_t now, uint64_t next_event, int signal_fd);
  // True when a signal stopped the run.
  bool HandleSignal(int signal_fd, bool* status_requested);
  void ReadKeys(bool* status_requested);
  void ReapEnded(const Wakeup& wakeup);
  // Fail-fast, the end of an interrupt's grace (true: the run stopped),
  // then new workers, then the workers' exit grace.
  bool CheckEnding();

  shm::Segment& seg_;
  shm::Doorbell& bell_;
  Spawner& launcher_;
  const core::RunInfo& run_;
  core::Ledger& ledger_;
  std::vector<core::Reporter*> reporters_;
  SupervisorOptions opt_;
  std::function<uint64_t()> now_ns_;
  std::vector<Worker> workers_;
  std::vector<uint64_t> retry_launch_at_;  // per slot: not before (a failed launch)
  bool launch_warned_ = false;
  core::RunSummary summary_;
  std::vector<ProgramDisagreement> disagreements_;
  uint64_t start_ns_ = 0;
  uint32_t next_lease_ = 1;
  uint32_t launches_ = 0;
  // The rules (core/rules/decisions.h); this class reads the facts and acts.
  core::TimeoutRules timeouts_;
  DeadlineWatch watch_;  // after timeouts_, which it reads
  // Durations of the tests finished so far (for core::LongTestAt).
  double finished_ns_ = 0;
  uint64_t finished_count_ = 0;
  core::AttemptBook attempts_;
  core::StopRules stops_;
  core::GiveUpCounts give_up_;
  bool stopping_ = false;
  std::vector<bool> serial_;  // per test
  size_t serial_count_ = 0;
  bool serial_phase_ = false;
  std::string drain_why_;  // interrupted once: what said so
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_SUPERVISOR_H_
