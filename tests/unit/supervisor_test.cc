// The supervisor's crash, timeout, restart and stop logic, with a fake
// launcher and clock: the test plays the worker's part in the segment by
// hand, exactly as a worker process would (claims, slot, ring).
#include "runner/run/supervisor.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "core/rules/plan.h"
#include "runner/worker/worker.h"
#include "shm/batch_taker.h"

namespace mprun::runner {
namespace {

using core::Outcome;

class FakeLauncher : public Spawner {
 public:
  struct Proc {
    uint32_t slot = 0;
    uint32_t lease = 0;
    int event_fd = -1;
    int output_fd = -1;
    core::ProcessEnd end;
    bool ended = false;
    bool group_killed = false;
    std::vector<int> signals;
    std::vector<int> group_signals;
  };

  bool Launch(uint32_t slot, uint32_t lease, LaunchedWorker* out, std::string* err) override {
    if (refuse) {
      *err = "fork: Resource temporarily unavailable";
      return false;
    }
    if (child_then_refuse && child_then_refuse(slot, lease)) {
      // As ForkSpawner when pidfd_open fails: the child ran, and is killed.
      *err = "pidfd_open: Too many open files";
      return false;
    }
    Proc p;
    p.slot = slot;
    p.lease = lease;
    p.event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    p.output_fd = memfd_create("fake-output", MFD_CLOEXEC);
    out->pid = 1000 + static_cast<pid_t>(procs.size());
    out->wait_fd = p.event_fd;
    out->output_fd = p.output_fd;
    procs.push_back(p);
    return true;
  }
  void SignalWorker(const LaunchedWorker& w, int signal) override {
    procs[static_cast<size_t>(w.pid - 1000)].signals.push_back(signal);
  }
  void KillGroup(const LaunchedWorker& w) override {
    Proc& p = procs[static_cast<size_t>(w.pid - 1000)];
    p.group_killed = true;
    if (!p.ended && !kill_lands_later) End(static_cast<size_t>(w.pid - 1000), {true, SIGKILL});
  }
  void SignalGroup(const LaunchedWorker& w, int signal) override {
    procs[static_cast<size_t>(w.pid - 1000)].group_signals.push_back(signal);
  }
  void StopSupervisor() override {
    if (while_stopped) while_stopped();
  }
  // The supervisor starts no test binary; a driver worker does.
  bool StartProgram(const ProgramSpec&, Program*, std::string* err, int* error_number) override {
    *err = "not in the supervisor's tests";
    *error_number = ENOSYS;
    return false;
  }
  void SignalProgram(pid_t, int) override {}
  void SignalProgramGroup(pid_t group, int signal) override {
    program_group_signals.push_back({group, signal});
  }
  int WaitProgram(pid_t) override { return 0; }
  bool ProgramEnded(pid_t, int*) override { return true; }
  core::ProcessEnd Reap(LaunchedWorker* w) override {
    Proc& p = procs[static_cast<size_t>(w->pid - 1000)];
    close(p.event_fd);
    w->wait_fd = -1;
    return p.end;
  }
  // The process `i` ends.
  void End(size_t i, core::ProcessEnd end) {
    procs[i].end = end;
    procs[i].ended = true;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(procs[i].event_fd, &one, sizeof one);
  }

  std::vector<Proc> procs;
  bool refuse = false;
  // KillGroup only marks the kill; the test ends the process when it likes
  // (a worker still runs between the kill and its death).
  bool kill_lands_later = false;
  // Plays a child that runs a while before its launch fails; true: it did.
  std::function<bool(uint32_t slot, uint32_t lease)> child_then_refuse;
  // What happens while the supervisor is stopped (SIGTSTP): e.g. time passes.
  std::function<void()> while_stopped;
  std::vector<std::pair<pid_t, int>> program_group_signals;
};

// The test's stand-in for a worker process.
class FakeWorker {
 public:
  FakeWorker(shm::Segment& seg, shm::Doorbell& bell, FakeLauncher::Proc& proc, uint64_t* now)
      : seg_(seg),
        slot_(proc.slot),
        lease_(proc.lease),
        output_fd_(proc.output_fd),
        now_(now),
        taker_(seg, proc.slot, proc.lease),
        ring_(seg.ring(proc.slot), [&bell] { bell.Ring(); }) {
    seg_.slot(slot_).state.store(static_cast<uint32_t>(shm::WorkerState::kRunning),
                                 std::memory_order_release);
  }
  std::vector<uint32_t> Take(uint32_t n) {
    std::vector<uint32_t> out;
    taker_.Next(&out, n);
    return out;
  }
  void Start(uint32_t test) {
    seg_.claims().TryStart(test, lease_);  // as a worker does before running a test
    seg_.slot(slot_).phase.store(static_cast<uint32_t>(shm::WorkerPhase::kTest),
                                 std::memory_order_relaxed);
    seg_.slot(slot_).current.store(shm::PackCurrent(test, *now_ / 1000), std::memory_order_release);
    start_ = *now_;
  }
  void Print(const std::string& text) {
    [[maybe_unused]] ssize_t n = write(output_fd_, text.data(), text.size());
  }
  void Finish(uint32_t test, Outcome outcome, const std::string& message = "") {
    shm::ResultRecord r{};
    r.test = test;
    r.kind = static_cast<uint8_t>(shm::RecordKind::kTestResult);
    r.outcome = static_cast<uint8_t>(outcome);
    r.start_ns = start_;
    r.duration_ns = *now_ - start_;
    r.output_end = static_cast<uint64_t>(lseek(output_fd_, 0, SEEK_CUR));
    ring_.Write(r, message);
    seg_.slot(slot_).phase.store(static_cast<uint32_t>(shm::WorkerPhase::kSuiteTearDown),
                                 std::memory_order_relaxed);
  }
  void Idle() { seg_.slot(slot_).current.store(shm::kIdleCurrent, std::memory_order_release); }
  void Done() {
    Idle();
    seg_.slot(slot_).state.store(static_cast<uint32_t>(shm::WorkerState::kDone),
                                 std::memory_order_release);
  }

 private:
  shm::Segment& seg_;
  uint32_t slot_, lease_;
  int output_fd_;
  uint64_t* now_;
  uint64_t start_ = 0;
  shm::BatchTaker taker_;
  shm::RingProducer ring_;
};

// Writes down every event the supervisor sends, in order.
class RecordingReporter : public core::Reporter {
 public:
  void OnRunStart(const core::RunInfo&) override { events.push_back("run start"); }
  void OnWorkerStarted(int worker, uint64_t) override {
    events.push_back("worker " + std::to_string(worker) + " started");
  }
  void OnTestFinished(const core::RunInfo&, uint32_t test, const core::TestResult& r) override {
    events.push_back("test " + std::to_string(test) + " " +
                     std::string(core::OutcomeName(r.outcome)) + (r.flaky ? " flaky" : ""));
  }
  void OnTestRetried(const core::RunInfo&, uint32_t test, const core::TestResult& r) override {
    events.push_back("test " + std::to_string(test) + " retried after attempt " +
                     std::to_string(r.attempts));
  }
  void OnTimeout(int worker, uint32_t test, uint64_t) override {
    events.push_back("timeout of test " + std::to_string(test) + " in worker " +
                     std::to_string(worker));
  }
  void OnSlow(int worker, uint32_t test, uint64_t) override {
    events.push_back("test " + std::to_string(test) + " slow in worker " + std::to_string(worker));
  }
  void OnQuietPhase(uint64_t) override { events.push_back("quiet phase"); }
  void OnWorkerEnded(int worker, const core::ProcessEnd&, bool normal, uint64_t) override {
    events.push_back("worker " + std::to_string(worker) + (normal ? " left" : " died"));
  }
  void OnRunEnd(const core::RunInfo&, const core::Ledger&, const core::RunSummary&) override {
    events.push_back("run end");
  }
  std::vector<std::string> events;
};

class SupervisorTest : public ::testing::Test {
 protected:
  void Build(uint32_t workers, uint32_t tests, double timeout_s = 0,
             std::vector<uint32_t> serial = {}, bool stop_on_failure = false) {
    shm::LayoutParams p;
    p.workers = workers;
    p.tests = tests;
    p.ring_records = 64;
    p.ring_text_bytes = 4096;
    std::string err;
    seg_ = shm::Segment::Create(p, &err);
    ASSERT_NE(seg_, nullptr) << err;
    ASSERT_TRUE(shm::Doorbell::Create(&seg_->header().supervisor_sleeping, &bell_, &err));
    run_.binaries = {"fake"};
    run_.workers = static_cast<int>(workers);
    // Contiguous shares, as the real supervisor deals them.
    for (uint32_t t = 0; t < tests; ++t) {
      run_.tests.push_back({0, "Suite", "Test" + std::to_string(t)});
      if (std::find(serial.begin(), serial.end(), t) != serial.end()) continue;
      ASSERT_TRUE(seg_->deque(t * workers / tests).PushBack(std::vector<uint32_t>{t}));
    }
    ledger_ = std::make_unique<core::Ledger>(tests);
    SupervisorOptions opt;
    opt.timeout_s = timeout_s;
    opt.dump_grace_ms = dump_grace_ms_;
    opt.serial_items = serial;
    opt.stop_on_failure = stop_on_failure;
    if (tweak_) tweak_(opt);
    sup_ = std::make_unique<Supervisor>(*seg_, bell_, launcher_, run_, *ledger_,
                                        std::vector<core::Reporter*>{&recorder_}, opt,
                                        [this] { return now_; });
  }
  FakeWorker Worker(size_t proc) { return FakeWorker(*seg_, bell_, launcher_.procs[proc], &now_); }
  void Step() { sup_->Step(0, -1); }
  // One step with `sig` pending, taken through a signalfd as the real run
  // takes it.
  void StepWithSignal(int sig) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
    const int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    ASSERT_GE(sfd, 0);
    ASSERT_EQ(pthread_kill(pthread_self(), sig), 0);
    sup_->Step(0, sfd);
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  Outcome OutcomeOf(uint32_t t) { return ledger_->Get(t).outcome; }
  // Plays every launched worker that has not ended to the end: it takes and
  // passes whatever it can claim, then leaves; until the run is finished.
  void PlayOut() {
    for (int round = 0; round < 20 && !sup_->Finished(); ++round) {
      for (size_t i = 0; i < launcher_.procs.size(); ++i) {
        if (launcher_.procs[i].ended) continue;
        FakeWorker w = Worker(i);
        for (std::vector<uint32_t> batch = w.Take(64); !batch.empty(); batch = w.Take(64)) {
          for (uint32_t t : batch) {
            w.Start(t);
            w.Finish(t, Outcome::kPassed);
          }
        }
        w.Done();
        launcher_.End(i, {false, 0});
      }
      Step();
    }
  }

  uint64_t now_ = 1'000'000'000;
  int dump_grace_ms_ = 1000;
  std::function<void(SupervisorOptions&)> tweak_;  // options beyond Build's
  RecordingReporter recorder_;
  std::unique_ptr<shm::Segment> seg_;
  shm::Doorbell bell_;
  FakeLauncher launcher_;
  core::RunInfo run_;
  std::unique_ptr<core::Ledger> ledger_;
  std::unique_ptr<Supervisor> sup_;
};

TEST_F(SupervisorTest, CrashBlamesTheRunningTestAndRequeuesTheRestForAReplacement) {
  Build(1, 4);
  ASSERT_TRUE(sup_->Start());
  ASSERT_EQ(launcher_.procs.size(), 1u);
  FakeWorker w = Worker(0);
  ASSERT_EQ(w.Take(3), (std::vector<uint32_t>{0, 1, 2}));
  w.Start(0);
  w.Finish(0, Outcome::kPassed);
  w.Start(1);
  w.Print("last words\n");
  launcher_.End(0, {true, SIGSEGV});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  EXPECT_EQ(OutcomeOf(1), Outcome::kCrashed);
  EXPECT_EQ(ledger_->Get(1).signal, "SIGSEGV");
  EXPECT_EQ(ledger_->Get(1).output, "last words\n");
  EXPECT_FALSE(ledger_->Finished(2));
  EXPECT_EQ(seg_->claims().Holder(2), shm::kUnclaimed) << "claimed but unrun: queued again";
  ASSERT_EQ(launcher_.procs.size(), 2u) << "a replacement was started";
  EXPECT_TRUE(launcher_.procs[0].group_killed) << "the dead worker's group was cleaned up";
  FakeWorker replacement = Worker(1);
  std::vector<uint32_t> rest = replacement.Take(8);
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(rest, (std::vector<uint32_t>{2, 3}));
}

TEST_F(SupervisorTest, TimeoutSignalsForABacktraceThenKillsAfterTheGrace) {
  Build(1, 2, /*timeout_s=*/1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 900'000'000;
  Step();
  EXPECT_TRUE(launcher_.procs[0].signals.empty());
  now_ += 200'000'000;  // 1.1 s into the test
  Step();
  ASSERT_EQ(launcher_.procs[0].signals, std::vector<int>{TimeoutDumpSignal()});
  EXPECT_FALSE(launcher_.procs[0].group_killed) << "the backtrace gets its grace";
  now_ += 500'000'000;
  Step();
  EXPECT_FALSE(launcher_.procs[0].group_killed);
  now_ += 600'000'000;  // grace over
  Step();
  EXPECT_TRUE(launcher_.procs[0].group_killed);
  Step();  // the death arrives
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  EXPECT_FALSE(ledger_->Finished(1));
  EXPECT_EQ(launcher_.procs.size(), 2u);
}

TEST_F(SupervisorTest, TimeoutKillsAtOnceWhenTheBacktraceIsWritten) {
  Build(1, 1, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();
  ASSERT_EQ(launcher_.procs[0].signals.size(), 1u);
  seg_->slot(0).timeout.store(shm::kTimeoutDumped, std::memory_order_release);
  Step();
  EXPECT_TRUE(launcher_.procs[0].group_killed);
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
}

TEST_F(SupervisorTest, ATestThatFinishesAfterItsDeadlineStaysTimedOut) {
  // A handled signal ends sleep, read and poll: a test blocked there can
  // return once the dump signal came (its own handler took it) and pass.
  Build(1, 2, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();
  ASSERT_EQ(launcher_.procs[0].signals.size(), 1u);
  EXPECT_EQ(seg_->slot(0).timeout.load(std::memory_order_acquire), shm::kTimeoutDecided)
      << "the worker is told to start no other test";
  w.Finish(0, Outcome::kPassed);
  now_ += 1000;
  w.Start(1);
  Step();
  EXPECT_FALSE(ledger_->Finished(0)) << "the late pass is not taken";
  EXPECT_FALSE(launcher_.procs[0].group_killed) << "the backtrace still gets its grace";
  now_ += 1'000'000'000;  // the grace is over; test 1 is young
  Step();
  EXPECT_TRUE(launcher_.procs[0].group_killed) << "the verdict stands: the worker is killed";
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  EXPECT_NE(ledger_->Get(0).message.find("no backtrace"), std::string::npos)
      << ledger_->Get(0).message;
  EXPECT_EQ(sup_->summary().late_results_dropped, 1u);
  EXPECT_FALSE(ledger_->Finished(1)) << "test 1 is not to blame";
  EXPECT_EQ(seg_->claims().Holder(1), shm::kUnclaimed) << "test 1 goes back to the queue";
  EXPECT_TRUE(sup_->summary().errors.empty());
}

TEST_F(SupervisorTest, ATimedOutWorkerThatThenLeavesNormallyStillTimesItsTestOut) {
  Build(1, 1, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();
  ASSERT_EQ(launcher_.procs[0].signals.size(), 1u);
  w.Finish(0, Outcome::kPassed);
  w.Done();
  launcher_.End(0, {false, 0});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  EXPECT_EQ(launcher_.procs.size(), 1u) << "not run again";
  EXPECT_TRUE(sup_->Finished());
}

TEST_F(SupervisorTest, AWorkerThatEndsItselfAfterTheBacktraceTimesOutItsTest) {
  Build(1, 2, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();
  seg_->slot(0).timeout.store(shm::kTimeoutDumped, std::memory_order_release);
  launcher_.End(0, {false, kTimedOutExitCode});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  EXPECT_EQ(ledger_->Get(0).message.find("no backtrace"), std::string::npos)
      << ledger_->Get(0).message;
  EXPECT_FALSE(ledger_->Finished(1));
  EXPECT_EQ(launcher_.procs.size(), 2u) << "a replacement runs test 1";
}

TEST_F(SupervisorTest, AResultPublishedBeforeTheDeadlineWasSeenCounts) {
  Build(1, 1, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  now_ += 999'000'000;
  w.Finish(0, Outcome::kPassed);  // in the ring, not read yet; `current` not moved on yet
  now_ += 2'000'000;
  Step();
  EXPECT_TRUE(launcher_.procs[0].signals.empty());
  EXPECT_FALSE(launcher_.procs[0].group_killed);
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
}

TEST_F(SupervisorTest, WithoutABacktraceTheTimeoutKillsAtOnceAndALateResultIsDropped) {
  dump_grace_ms_ = 0;  // driver mode
  launcher_.kill_lands_later = true;
  Build(1, 2, 1.0);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();
  EXPECT_TRUE(launcher_.procs[0].signals.empty());
  EXPECT_TRUE(launcher_.procs[0].group_killed);
  w.Finish(0, Outcome::kPassed);  // an `[ OK ]` read before the kill landed
  launcher_.End(0, {true, SIGKILL});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  EXPECT_EQ(sup_->summary().late_results_dropped, 1u);
  EXPECT_FALSE(ledger_->Finished(1));
}

TEST_F(SupervisorTest, WorkersDyingBeforeAnyTestStopTheRunOnTheThirdTime) {
  Build(1, 3);
  ASSERT_TRUE(sup_->Start());
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(launcher_.procs.size(), i + 1);
    launcher_.End(i, {false, 1});
    Step();
  }
  EXPECT_TRUE(sup_->Finished());
  EXPECT_TRUE(sup_->summary().setup_error);
  ASSERT_FALSE(sup_->summary().errors.empty());
  EXPECT_NE(sup_->summary().errors.back().find("before running any test (3 in a row)"),
            std::string::npos)
      << sup_->summary().errors.back();
  for (uint32_t t = 0; t < 3; ++t) EXPECT_EQ(OutcomeOf(t), Outcome::kNotRun);
  EXPECT_EQ(launcher_.procs.size(), 3u);
}

TEST_F(SupervisorTest, AFailedTestRunsAgainOnAnyWorkerAndPassingThenIsFlaky) {
  tweak_ = [](SupervisorOptions& o) { o.retries = 2; };
  Build(1, 2);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  ASSERT_EQ(w.Take(2), (std::vector<uint32_t>{0, 1}));
  w.Start(0);
  w.Finish(0, Outcome::kFailed, "first");
  w.Start(1);
  w.Finish(1, Outcome::kPassed);
  Step();
  EXPECT_FALSE(ledger_->Finished(0)) << "queued again, not recorded";
  // The retry waits on the supervisor's deque for whoever is free.
  ASSERT_EQ(w.Take(5), (std::vector<uint32_t>{0}));
  w.Start(0);
  w.Finish(0, Outcome::kPassed);
  Step();
  ASSERT_TRUE(ledger_->Finished(0));
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  EXPECT_TRUE(ledger_->Get(0).flaky);
  EXPECT_EQ(ledger_->Get(0).attempts, 2u);
  ASSERT_EQ(ledger_->Get(0).earlier.size(), 1u);
  EXPECT_EQ(ledger_->Get(0).earlier[0].message, "first");
  w.Done();
  launcher_.End(0, {false, 0});
  Step();
  ASSERT_TRUE(sup_->Finished());
  sup_->Finish();
  EXPECT_EQ(recorder_.events,
            (std::vector<std::string>{"run start", "worker 0 started",
                                      "test 0 retried after attempt 1", "test 1 passed",
                                      "test 0 passed flaky", "worker 0 left", "run end"}));
}

TEST_F(SupervisorTest, RepeatEachRunsAPassedTestAgainAndRecordsItOnceWithEveryDuration) {
  tweak_ = [](SupervisorOptions& o) { o.repeat_each = 3; };
  Build(1, 1);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  const uint64_t durations_ms[] = {30, 10, 20};
  for (uint64_t ms : durations_ms) {
    ASSERT_EQ(w.Take(5), (std::vector<uint32_t>{0}));
    w.Start(0);
    now_ += ms * 1'000'000;
    w.Finish(0, Outcome::kPassed);
    Step();
  }
  ASSERT_TRUE(ledger_->Finished(0));
  EXPECT_EQ(ledger_->Get(0).duration_ns, 20'000'000u) << "the median";
  EXPECT_EQ(ledger_->Get(0).samples_ns,
            (std::vector<uint64_t>{30'000'000, 10'000'000, 20'000'000}));
  EXPECT_EQ(std::count(recorder_.events.begin(), recorder_.events.end(), "test 0 passed"), 1);
}

TEST_F(SupervisorTest, DriverWorkersKilledWhileLaunchingAreNoErrorAndGiveUpOnlyAfterTen) {
  tweak_ = [](SupervisorOptions& o) { o.driver_launches = true; };
  Build(1, 2);
  ASSERT_TRUE(sup_->Start());
  for (size_t i = 0; i < 10; ++i) {
    ASSERT_EQ(launcher_.procs.size(), i + 1);
    FakeWorker w = Worker(i);
    w.Take(2);
    // Launching its binary (kEnvironmentSetUp) when something killed it.
    seg_->slot(0).phase.store(static_cast<uint32_t>(shm::WorkerPhase::kEnvironmentSetUp),
                              std::memory_order_relaxed);
    launcher_.End(i, {true, SIGKILL});
    Step();
    if (i == 9) break;
    ASSERT_FALSE(sup_->Finished()) << "death " << i + 1;
    EXPECT_TRUE(sup_->summary().errors.empty()) << "deaths from outside are no run errors";
    EXPECT_FALSE(ledger_->Finished(0)) << "its batch runs again";
  }
  EXPECT_TRUE(sup_->Finished());
  EXPECT_TRUE(sup_->summary().setup_error);
  EXPECT_NE(sup_->summary().errors.back().find("(10 in a row)"), std::string::npos)
      << sup_->summary().errors.back();
}

TEST_F(SupervisorTest, ATimeoutIsReportedBeforeItsVerdictAndTheWorkerIsReplaced) {
  Build(1, 2, /*timeout_s=*/1);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 1'100'000'000;
  Step();  // the deadline: decided, dump signal sent
  launcher_.End(0, {true, SIGKILL});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  ASSERT_EQ(launcher_.procs.size(), 2u) << "a replacement for test 1";
  const std::vector<std::string> expected = {
      "run start",        "worker 0 started", "timeout of test 0 in worker 0",
      "test 0 timed_out", "worker 0 died",    "worker 0 started"};
  EXPECT_EQ(recorder_.events, expected);
}

TEST_F(SupervisorTest, TheTimeSuspendedDoesNotCountAgainstTheRunningTest) {
  Build(1, 1, /*timeout_s=*/1);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  now_ += 500'000'000;
  launcher_.while_stopped = [this] { now_ += 5'000'000'000; };
  StepWithSignal(SIGTSTP);  // ^Z
  EXPECT_EQ(launcher_.procs[0].group_signals, (std::vector<int>{SIGSTOP, SIGCONT}));
  now_ += 300'000'000;  // 5.8 s since the start, 5 s of it suspended
  Step();
  EXPECT_TRUE(launcher_.procs[0].signals.empty()) << "no timeout yet";
  EXPECT_FALSE(ledger_->Finished(0));
  now_ += 300'000'000;  // 1.1 s of running
  Step();
  EXPECT_EQ(launcher_.procs[0].signals, (std::vector<int>{TimeoutDumpSignal()}));
}

// kill -STOP mprun, then kill -CONT: the workers were never stopped (they
// run in groups of their own) and get no SIGCONT, which would discard a
// running process's pending stop signals (a ptrace attach in flight).
TEST_F(SupervisorTest, AContinueAfterAStopMprunDidNotMakeIsNotSentOn) {
  Build(1, 1, /*timeout_s=*/1);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  StepWithSignal(SIGCONT);
  EXPECT_TRUE(launcher_.procs[0].group_signals.empty());
  EXPECT_TRUE(launcher_.program_group_signals.empty());
  EXPECT_FALSE(ledger_->Finished(0));
}

TEST_F(SupervisorTest, ARunEndsWhenEveryTestHasAResultAndWorkersLeave) {
  Build(2, 3);
  ASSERT_TRUE(sup_->Start());
  ASSERT_EQ(launcher_.procs.size(), 2u);
  FakeWorker a = Worker(0), b = Worker(1);
  EXPECT_EQ(a.Take(1), (std::vector<uint32_t>{0}));
  EXPECT_EQ(b.Take(5), (std::vector<uint32_t>{2}));
  EXPECT_EQ(b.Take(5), (std::vector<uint32_t>{1})) << "stole what was left";
  a.Start(0);
  a.Finish(0, Outcome::kPassed);
  b.Start(1);
  b.Finish(1, Outcome::kPassed);
  b.Start(2);
  b.Finish(2, Outcome::kFailed, "file.cc:3: Failure\n");
  Step();
  EXPECT_TRUE(ledger_->Complete());
  EXPECT_EQ(seg_->header().stop.load(std::memory_order_acquire), 1u) << "workers are told to stop";
  EXPECT_FALSE(sup_->Finished()) << "still waiting for the workers to leave";
  a.Done();
  b.Done();
  launcher_.End(0, {false, 0});
  launcher_.End(1, {false, 0});
  Step();
  EXPECT_TRUE(sup_->Finished());
  EXPECT_EQ(launcher_.procs.size(), 2u) << "no worker restarted";
  EXPECT_TRUE(sup_->summary().errors.empty());
  EXPECT_EQ(ledger_->Get(2).message, "file.cc:3: Failure\n");
  EXPECT_EQ(core::StatusOf(*ledger_, sup_->summary()), core::ExitStatus::kTestsFailed);
}

TEST_F(SupervisorTest, DeathAfterATestOutsideAnyTestIsARunError) {
  Build(1, 2);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  w.Finish(0, Outcome::kPassed);  // phase: after the test, in TearDownTestSuite
  launcher_.End(0, {true, SIGABRT});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  ASSERT_EQ(sup_->summary().errors.size(), 1u);
  EXPECT_NE(sup_->summary().errors[0].find("SIGABRT"), std::string::npos);
  EXPECT_NE(sup_->summary().errors[0].find("TearDownTestSuite"), std::string::npos);
  EXPECT_NE(sup_->summary().errors[0].find("Suite.Test0"), std::string::npos);
  EXPECT_EQ(launcher_.procs.size(), 2u) << "test 1 still needs a worker";
}

TEST_F(SupervisorTest, TestsTakenButNeverClaimedAreSweptUpAfterADeath) {
  Build(2, 6);
  ASSERT_TRUE(sup_->Start());
  // Worker 0 pops three tests and dies before claiming them (a kill in
  // that window): nobody holds them and no deque lists them.
  uint32_t taken[3];
  ASSERT_EQ(seg_->deque(0).PopFront(taken, 3).count, 3u);
  launcher_.End(0, {true, SIGKILL});
  Step();
  uint32_t queued[6];
  const uint32_t n = seg_->deque(0).Snapshot(queued, 6);
  EXPECT_EQ(std::vector<uint32_t>(queued, queued + n), (std::vector<uint32_t>{0, 1, 2}))
      << "the three lost tests are queued again";
  EXPECT_EQ(launcher_.procs.size(), 3u) << "and a replacement takes them";
  for (uint32_t t = 0; t < 6; ++t) EXPECT_FALSE(ledger_->Finished(t));
}

TEST_F(SupervisorTest, ARecordForATestTheWorkerDoesNotHoldIsIgnored) {
  Build(1, 2);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);  // holds test 0 only
  w.Start(1);
  w.Finish(1, Outcome::kPassed);  // a wild or stale record
  Step();
  EXPECT_FALSE(ledger_->Finished(1));
  ASSERT_EQ(sup_->summary().errors.size(), 1u);
  EXPECT_NE(sup_->summary().errors[0].find("does not match"), std::string::npos);
}

TEST_F(SupervisorTest, InterruptKillsWorkersAndMarksTheRestNotRun) {
  Build(2, 4);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(1);
  w.Start(0);
  w.Finish(0, Outcome::kPassed);
  Step();
  sup_->Interrupt("interrupted by SIGINT");
  EXPECT_FALSE(sup_->Finished()) << "the first interrupt lets running tests finish";
  sup_->Interrupt("interrupted by SIGINT");  // the second stops everything
  EXPECT_TRUE(sup_->Finished());
  EXPECT_TRUE(sup_->summary().interrupted);
  EXPECT_TRUE(launcher_.procs[0].group_killed);
  EXPECT_TRUE(launcher_.procs[1].group_killed);
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  for (uint32_t t = 1; t < 4; ++t) {
    EXPECT_EQ(OutcomeOf(t), Outcome::kNotRun);
    EXPECT_EQ(ledger_->Get(t).message, "not run: interrupted by SIGINT");
  }
  EXPECT_EQ(core::StatusOf(*ledger_, sup_->summary()), core::ExitStatus::kInterrupted);
}

TEST_F(SupervisorTest, AFirstInterruptLetsRunningTestsFinishAndStartsNoneThenTheGraceEnds) {
  Build(2, 6);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w0 = Worker(0), w1 = Worker(1);
  ASSERT_EQ(w0.Take(1), std::vector<uint32_t>{0});
  ASSERT_EQ(w1.Take(1), std::vector<uint32_t>{3});
  w0.Start(0);
  w1.Start(3);
  sup_->Interrupt("interrupted by SIGTERM");
  // acquire: as a worker reads it.
  EXPECT_EQ(seg_->header().stop.load(std::memory_order_acquire), 1u) << "no new test starts";
  Step();
  EXPECT_FALSE(sup_->Finished());
  EXPECT_FALSE(launcher_.procs[0].group_killed);
  // Worker 0 finishes its test and leaves; nothing is requeued or relaunched.
  w0.Finish(0, Outcome::kPassed);
  w0.Done();
  launcher_.End(0, {false, 0});
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  EXPECT_EQ(launcher_.procs.size(), 2u);
  EXPECT_FALSE(sup_->Finished());
  // Worker 1's test outlives the grace: killed, and the rest are not run.
  now_ += 3'000'000'001;
  Step();
  EXPECT_TRUE(sup_->Finished());
  EXPECT_TRUE(launcher_.procs[1].group_killed);
  sup_->Finish();
  for (uint32_t t = 1; t < 6; ++t) {
    EXPECT_EQ(OutcomeOf(t), Outcome::kNotRun) << t;
    EXPECT_EQ(ledger_->Get(t).message, "not run: interrupted by SIGTERM");
  }
  EXPECT_EQ(core::StatusOf(*ledger_, sup_->summary()), core::ExitStatus::kInterrupted);
}

TEST_F(SupervisorTest, SerialTestsWaitForEverythingElseAndRunInOneWorkerAlone) {
  Build(2, 4, 0, /*serial=*/{3});
  ASSERT_TRUE(sup_->Start());
  ASSERT_EQ(launcher_.procs.size(), 2u);
  FakeWorker a = Worker(0), b = Worker(1);
  std::vector<uint32_t> ta = a.Take(8), tb = b.Take(8);
  EXPECT_EQ(ta.size() + tb.size(), 3u) << "the serial test is not handed out with the others";
  for (uint32_t t : ta) a.Start(t), a.Finish(t, Outcome::kPassed);
  for (uint32_t t : tb) b.Start(t), b.Finish(t, Outcome::kPassed);
  Step();
  EXPECT_EQ(launcher_.procs.size(), 2u);
  a.Done();
  launcher_.End(0, {false, 0});
  Step();
  EXPECT_EQ(launcher_.procs.size(), 2u) << "worker 1 is still alive: the serial phase waits";
  b.Done();
  launcher_.End(1, {false, 0});
  Step();
  ASSERT_EQ(launcher_.procs.size(), 3u) << "one worker for the serial phase";
  EXPECT_EQ(launcher_.procs[2].slot, 0u);
  FakeWorker serial = Worker(2);
  EXPECT_EQ(serial.Take(8), (std::vector<uint32_t>{3}));
}

TEST_F(SupervisorTest, StopOnFailureEndsTheRunAtTheFirstFailure) {
  Build(2, 4, 0, {}, /*stop_on_failure=*/true);
  ASSERT_TRUE(sup_->Start());
  FakeWorker a = Worker(0);
  a.Take(1);
  a.Start(0);
  a.Finish(0, Outcome::kFailed, "boom");
  Step();
  EXPECT_TRUE(sup_->Finished());
  EXPECT_FALSE(sup_->summary().interrupted);
  EXPECT_TRUE(launcher_.procs[1].group_killed);
  EXPECT_EQ(OutcomeOf(0), Outcome::kFailed);
  for (uint32_t t = 1; t < 4; ++t) EXPECT_EQ(OutcomeOf(t), Outcome::kNotRun);
  EXPECT_EQ(core::StatusOf(*ledger_, sup_->summary()), core::ExitStatus::kTestsFailed);
}

TEST_F(SupervisorTest, ALongTestHandsItsUnstartedBatchMatesBackForOthers) {
  Build(2, 6);
  ASSERT_TRUE(sup_->Start());
  FakeWorker a = Worker(0);
  ASSERT_EQ(a.Take(3), (std::vector<uint32_t>{0, 1, 2}));
  a.Start(0);  // 1 and 2 wait behind it
  now_ += 900'000'000;
  Step();
  EXPECT_EQ(seg_->claims().Holder(1), launcher_.procs[0].lease) << "not yet";
  now_ += 200'000'000;  // 1.1 s into test 0
  Step();
  EXPECT_EQ(seg_->claims().Holder(0), launcher_.procs[0].lease) << "the running test stays";
  EXPECT_EQ(seg_->claims().Holder(1), shm::kUnclaimed);
  EXPECT_EQ(seg_->claims().Holder(2), shm::kUnclaimed);
  uint32_t items[6];
  const uint32_t n = seg_->deque(seg_->supervisor_deque()).Snapshot(items, 6);
  EXPECT_EQ(std::vector<uint32_t>(items, items + n), (std::vector<uint32_t>{1, 2}));
  // The long test's worker finds them gone when it gets there.
  EXPECT_FALSE(seg_->claims().TryStart(1, launcher_.procs[0].lease));
}

TEST_F(SupervisorTest, AHandBackThatFindsTheSupervisorsDequeFullLeavesTheTestsWithTheirWorker) {
  // Linked mode without history: long tests queue their neighbours on the
  // supervisor's deque as hints, and can fill it. A hand-back that finds it
  // full must not leave its tests held by the supervisor's lease, in no
  // deque: neither the repair after a death nor the sweep would ever see
  // them again ("mprun lost track of this test").
  std::vector<uint32_t> suite_of(9, 0);
  const core::Plan plan =
      core::MakePlan(suite_of, std::vector<core::SuiteTraits>(1), core::Dist::kAuto);
  tweak_ = [&plan](SupervisorOptions& o) { o.neighbours_of = &plan; };
  Build(3, 9, /*timeout_s=*/1.0);  // the hand-back and the deadline come at once
  // The deal: worker 0 holds 0..2, worker 1 3..5, worker 2 6..8.
  ASSERT_TRUE(sup_->Start());
  FakeWorker a = Worker(0), b = Worker(1), c = Worker(2);
  ASSERT_EQ(a.Take(3), (std::vector<uint32_t>{0, 1, 2}));
  a.Start(0);  // it hangs; 1 and 2 wait behind it
  ASSERT_EQ(b.Take(1), (std::vector<uint32_t>{3}));
  b.Start(3);
  ASSERT_EQ(c.Take(1), (std::vector<uint32_t>{6}));
  c.Start(6);
  now_ += 60'000'000;
  Step();  // three long tests: 4, 5, 7, 8 queued twice as hints (a third push does not fit)
  ASSERT_EQ(seg_->deque(seg_->supervisor_deque()).SizeGuess(), 8u) << "room for one item";
  b.Finish(3, Outcome::kPassed);
  b.Idle();
  c.Finish(6, Outcome::kPassed);
  c.Idle();
  now_ += 1'000'000'000;  // 1.06 s into test 0: hand back 1 and 2, and time 0 out
  Step();
  ASSERT_EQ(launcher_.procs[0].signals, std::vector<int>{TimeoutDumpSignal()});
  EXPECT_NE(seg_->claims().Holder(1), shm::kSupervisorLease) << "held by nobody who will run it";
  EXPECT_NE(seg_->claims().Holder(2), shm::kSupervisorLease) << "held by nobody who will run it";
  seg_->slot(0).timeout.store(shm::kTimeoutDumped, std::memory_order_release);
  launcher_.End(0, {false, kTimedOutExitCode});  // the worker ends itself after its backtrace
  Step();
  EXPECT_EQ(OutcomeOf(0), Outcome::kTimedOut);
  PlayOut();
  ASSERT_TRUE(sup_->Finished());
  for (uint32_t t = 1; t < 9; ++t) EXPECT_EQ(OutcomeOf(t), Outcome::kPassed) << "test " << t;
  EXPECT_TRUE(sup_->summary().errors.empty()) << sup_->summary().errors[0];
}

TEST_F(SupervisorTest, ARetryThatFindsTheSupervisorsDequeFullIsRecordedNotLost) {
  tweak_ = [](SupervisorOptions& o) { o.retries = 1; };
  Build(2, 4);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  ASSERT_EQ(w.Take(2), (std::vector<uint32_t>{0, 1}));
  // The supervisor's deque is full of stale copies (as neighbour hints of
  // tests that have since been claimed leave it).
  ASSERT_TRUE(seg_->deque(seg_->supervisor_deque()).PushBack(std::vector<uint32_t>{1, 1, 1, 1}));
  w.Start(0);
  w.Finish(0, Outcome::kFailed, "first");
  Step();  // a retry is due, and cannot be queued
  EXPECT_NE(seg_->claims().Holder(0), shm::kSupervisorLease) << "held by nobody who will run it";
  w.Start(1);
  w.Finish(1, Outcome::kPassed);
  PlayOut();
  ASSERT_TRUE(sup_->Finished());
  EXPECT_EQ(OutcomeOf(0), Outcome::kFailed) << ledger_->Get(0).message;
  for (uint32_t t = 1; t < 4; ++t) EXPECT_EQ(OutcomeOf(t), Outcome::kPassed) << "test " << t;
  EXPECT_TRUE(sup_->summary().errors.empty()) << sup_->summary().errors[0];
}

TEST_F(SupervisorTest, ALaunchThatFailsAfterItsChildTookTestsLosesNone) {
  Build(2, 6);
  // Slot 1's child takes its three tests, passes one, is inside the next,
  // and is killed when the launcher cannot open its pidfd.
  launcher_.child_then_refuse = [this](uint32_t slot, uint32_t lease) {
    if (slot != 1 || launcher_.procs.size() != 1) return false;
    FakeLauncher::Proc child;
    child.slot = slot;
    child.lease = lease;
    child.output_fd = memfd_create("fake-child-output", MFD_CLOEXEC);
    {
      FakeWorker w(*seg_, bell_, child, &now_);
      EXPECT_EQ(w.Take(3), (std::vector<uint32_t>{3, 4, 5}));
      w.Start(3);
      w.Finish(3, Outcome::kPassed);
      w.Start(4);
    }
    close(child.output_fd);
    return true;
  };
  ASSERT_TRUE(sup_->Start());
  ASSERT_EQ(launcher_.procs.size(), 1u) << "slot 1's launch failed";
  ASSERT_TRUE(ledger_->Finished(3)) << "what the child published counts";
  EXPECT_EQ(OutcomeOf(3), Outcome::kPassed);
  EXPECT_FALSE(ledger_->Finished(4)) << "the test the child was inside is not blamed";
  EXPECT_EQ(seg_->claims().Holder(4), shm::kUnclaimed);
  EXPECT_EQ(seg_->claims().Holder(5), shm::kUnclaimed);
  // The live worker gets everything left, 4 and 5 included.
  FakeWorker a = Worker(0);
  std::vector<uint32_t> all;
  for (std::vector<uint32_t> got = a.Take(8); !got.empty(); got = a.Take(8)) {
    all.insert(all.end(), got.begin(), got.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<uint32_t>{0, 1, 2, 4, 5}));
  for (uint32_t t : all) {
    a.Start(t);
    a.Finish(t, Outcome::kPassed);
  }
  a.Done();
  launcher_.End(0, {false, 0});
  Step();
  EXPECT_TRUE(ledger_->Complete());
  EXPECT_TRUE(sup_->summary().errors.empty())
      << (sup_->summary().errors.empty() ? "" : sup_->summary().errors[0]);
}

TEST_F(SupervisorTest, NoWorkerAtAllIsASetupError) {
  launcher_.refuse = true;
  Build(2, 2);
  EXPECT_FALSE(sup_->Start());
  EXPECT_TRUE(sup_->summary().setup_error);
  EXPECT_NE(sup_->summary().errors.back().find("Resource temporarily unavailable"),
            std::string::npos);
}

// A test past --slow-after is announced once, while it runs, before its
// result; a short one never.
TEST_F(SupervisorTest, ATestPastSlowAfterIsAnnouncedOnceWhileItRuns) {
  tweak_ = [](SupervisorOptions& o) { o.slow_after_s = 2; };
  Build(1, 2);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  w.Take(2);
  w.Start(0);
  now_ += 100'000'000;
  w.Finish(0, Outcome::kPassed);
  w.Start(1);
  Step();
  now_ += 1'900'000'000;
  Step();  // 1.9 s into test 1: not yet
  now_ += 200'000'000;
  Step();
  Step();  // once only
  w.Finish(1, Outcome::kPassed);
  w.Done();
  Step();
  const std::vector<std::string> expected = {"run start", "worker 0 started", "test 0 passed",
                                             "test 1 slow in worker 0", "test 1 passed"};
  EXPECT_EQ(std::vector<std::string>(
                recorder_.events.begin(),
                recorder_.events.begin() + std::min<size_t>(5, recorder_.events.size())),
            expected);
}

// Each test's own limit (CTest's TIMEOUT, or the history's) holds inside it;
// test 1 without one has the run's.
TEST_F(SupervisorTest, EachTestIsTimedOutAtItsOwnLimit) {
  tweak_ = [](SupervisorOptions& o) { o.test_limits_s = {5, 0.5}; };
  Build(1, 2, /*timeout_s=*/60);
  ASSERT_TRUE(sup_->Start());
  FakeWorker w = Worker(0);
  ASSERT_EQ(w.Take(1), (std::vector<uint32_t>{0}));
  w.Start(0);
  now_ += 4'000'000'000;  // within test 0's 5 s
  Step();
  w.Finish(0, Outcome::kPassed);
  ASSERT_EQ(w.Take(1), (std::vector<uint32_t>{1}));
  w.Start(1);
  now_ += 600'000'000;  // past test 1's 0.5 s
  Step();
  launcher_.End(0, {true, SIGKILL});
  Step();
  ASSERT_TRUE(ledger_->Finished(0) && ledger_->Finished(1));
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  EXPECT_EQ(OutcomeOf(1), Outcome::kTimedOut);
  EXPECT_NE(ledger_->Get(1).message.find("still running after 0.5s (its own limit)"),
            std::string::npos)
      << ledger_->Get(1).message;
}

// Without durations: when test 1 runs long, its unstarted neighbours in its
// suite (0 and 2, in the other worker's share) are queued for whoever takes
// work next, ahead of that worker's own share; each still runs once.
TEST_F(SupervisorTest, ALongTestHasItsNeighboursTakenFirst) {
  std::vector<uint32_t> suite_of = {0, 0, 0, 1, 1, 1};
  const core::Plan plan =
      core::MakePlan(suite_of, std::vector<core::SuiteTraits>(2), core::Dist::kAuto);
  tweak_ = [&plan](SupervisorOptions& o) { o.neighbours_of = &plan; };
  Build(2, 6);
  // The deal: worker 0 holds 0..2, worker 1 holds 3..5.
  ASSERT_TRUE(sup_->Start());
  FakeWorker a = Worker(0), b = Worker(1);
  std::vector<uint32_t> first = a.Take(1);
  ASSERT_EQ(first, (std::vector<uint32_t>{0}));
  a.Start(0);
  now_ += 10'000'000;
  a.Finish(0, Outcome::kPassed);  // mean 10 ms: long is 100 ms
  ASSERT_EQ(a.Take(1), (std::vector<uint32_t>{1}));
  a.Start(1);
  Step();
  now_ += 120'000'000;
  Step();  // test 1 is long: 2 (and 0, finished) are its neighbours
  EXPECT_EQ(b.Take(1), (std::vector<uint32_t>{2})) << "the neighbour before its own share";
  EXPECT_EQ(b.Take(1), (std::vector<uint32_t>{3}));
  const std::vector<uint32_t> rest = a.Take(8);  // its own copy of 2 is stale; it steals
  EXPECT_EQ(std::count(rest.begin(), rest.end(), 2u), 0) << "2 is taken once";
}

}  // namespace
}  // namespace mprun::runner
