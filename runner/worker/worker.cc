#include "runner/worker/worker.h"

#include <execinfo.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "core/rules/decisions.h"
#include "core/rules/shard.h"

extern "C" void __gcov_dump(void) __attribute__((weak));

namespace mprun::runner {

namespace {

// For the async-signal-safe dump handler.
shm::WorkerSlot* g_slot = nullptr;
int g_bell_fd = -1;

void WriteAll(int fd, const char* s, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void OnTimeoutDump(int) {
  static const char kHeader[] = "\n[mprun] this test timed out; backtrace of the worker:\n";
  WriteAll(2, kHeader, sizeof kHeader - 1);
  void* frames[64];
  const int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, 2);
  // release: the supervisor reads it with acquire, then kills at once.
  if (g_slot) g_slot->timeout.store(shm::kTimeoutDumped, std::memory_order_release);
  if (g_bell_fd >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t w = write(g_bell_fd, &one, sizeof one);
  }
  // The verdict is timed_out; the test must not go on. Returning would let a
  // test blocked in sleep, read, poll or a condition wait (which a handled
  // signal ends) finish and pass. Waiting here for the supervisor's kill
  // would stop only this thread: the test's other threads would run on. So
  // the worker ends itself, all its threads at once, running no atexit
  // handler; the supervisor still kills what is left in its group.
  _exit(kTimedOutExitCode);
}

}  // namespace

int TimeoutDumpSignal() { return SIGRTMIN + 6; }

bool PrepareWorkerProcess(shm::Segment& segment, const shm::Doorbell& bell,
                          const WorkerConfig& config, std::string* err) {
  if (!segment.Check(err)) return false;
  // Signals: the supervisor blocks some and ignores SIGPIPE; tests expect
  // the defaults.
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) signal(s, SIG_DFL);
  g_slot = &segment.slot(config.slot);
  g_bell_fd = bell.fd();
  void* warm[1];
  backtrace(warm, 1);  // loads the unwinder now, not inside the handler
  struct sigaction sa = {};
  sa.sa_handler = OnTimeoutDump;
  sigfillset(&sa.sa_mask);  // nothing the test set up interrupts the dump
  if (!config.dump_backtrace) sa.sa_handler = SIG_IGN;
  sigaction(TimeoutDumpSignal(), &sa, nullptr);

  // Output: both streams into the worker's memfd, unbuffered so that a test
  // killed by a signal or a timeout loses nothing it printed. (Line
  // buffering would do, but glibc ignores _IOLBF on a stream already used,
  // as the supervisor's stdout is.)
  std::fflush(nullptr);
  if (dup2(config.output_fd, STDOUT_FILENO) < 0 || dup2(config.output_fd, STDERR_FILENO) < 0) {
    *err = std::string("dup2: ") + std::strerror(errno);
    return false;
  }
  close(config.output_fd);
  std::setvbuf(stdout, nullptr, _IONBF, 0);

  // Identity and isolation for the tests.
  setenv("MPRUN_WORKER_ID", std::to_string(config.slot).c_str(), 1);
  setenv("MPRUN_WORKER_COUNT", std::to_string(config.workers).c_str(), 1);
  if (!config.temp_dir.empty()) {
    setenv("TMPDIR", config.temp_dir.c_str(), 1);
    setenv("TEST_TMPDIR", config.temp_dir.c_str(), 1);
  }
  // A test that runs this binary again must not start a parallel run, nor
  // take a gtest shard meant for the whole run.
  for (const char* v : {"MPRUN_PROCESSES", "GTEST_PREMATURE_EXIT_FILE"}) unsetenv(v);
  for (const char* v : core::ShardVariables()) unsetenv(v);

  if (config.pin_cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(config.pin_cpu, &set);
    sched_setaffinity(0, sizeof set, &set);  // best effort: a failure only costs locality
  }

  shm::WorkerSlot& slot = segment.slot(config.slot);
  // release: the supervisor reads these with acquire when judging a death.
  slot.pid.store(static_cast<uint32_t>(getpid()), std::memory_order_relaxed);
  slot.lease.store(config.lease, std::memory_order_relaxed);
  slot.phase.store(static_cast<uint32_t>(shm::WorkerPhase::kEnvironmentSetUp),
                   std::memory_order_relaxed);
  slot.state.store(static_cast<uint32_t>(shm::WorkerState::kStarting), std::memory_order_release);
  return true;
}

void ExitWorkerProcess(shm::Segment& segment, uint32_t slot) {
  if (__gcov_dump != nullptr) __gcov_dump();  // coverage of the tests this worker ran
  std::cout.flush();
  std::fflush(nullptr);
  // release: the supervisor reads the state after reaping us.
  segment.slot(slot).state.store(static_cast<uint32_t>(shm::WorkerState::kDone),
                                 std::memory_order_release);
  _exit(0);
}

WorkerRuntime::WorkerRuntime(shm::Segment& segment, shm::Doorbell& bell, const WorkerConfig& config)
    : segment_(segment),
      bell_(bell),
      slot_(segment.slot(config.slot)),
      lease_(config.lease),
      taker_(segment, config.slot, config.lease),
      ring_(segment.ring(config.slot), [&bell] { bell.Ring(); }),
      restart_after_batch_(config.restart_after_batch),
      slot_index_(config.slot),
      batch_time_ns_(config.batch_time_ns),
      max_batch_(config.max_batch),
      first_batch_(std::max<uint32_t>(config.first_batch, 1)),
      batches_are_launches_(config.batches_are_launches),
      test_load_(config.test_load) {
  mean_test_ns_ = config.expected_mean_test_ns;
  // The launcher sized the output file to kOutputFileSpan (a sparse file);
  // without the mapping (e.g. under a low `ulimit -v`) every test asks lseek.
  void* map =
      mmap(nullptr, kOutputFileSpan, PROT_READ, MAP_SHARED | MAP_NORESERVE, STDOUT_FILENO, 0);
  if (map != MAP_FAILED) {
    output_map_ = static_cast<const volatile char*>(map);
    output_map_size_ = kOutputFileSpan;
  }
}

bool WorkerRuntime::StopRequested() const {
  // acquire: pairs with the supervisor's release when it stops the run.
  return segment_.header().stop.load(std::memory_order_acquire) != 0;
}

void WorkerRuntime::NextBatch(std::vector<uint32_t>* out) {
  out->clear();
  // release: the supervisor stops holding the start-up against the time
  // limit once it sees this.
  slot_.state.store(static_cast<uint32_t>(shm::WorkerState::kRunning), std::memory_order_release);
  if (!core::TakesAnotherBatch(StopRequested(), restart_after_batch_, batch_taken_)) return;
  if (test_load_ > 0) WaitForLoad();
  const uint64_t own = batches_are_launches_ ? segment_.deque(slot_index_).SizeGuess() : 0;
  const uint32_t want =
      core::BatchSize(mean_test_ns_, batch_time_ns_, max_batch_, first_batch_, own);
  const uint32_t got = taker_.Next(out, want);
  // relaxed: a figure for the trace, read at the supervisor's ticks.
  slot_.steals.store(static_cast<uint32_t>(taker_.steals()), std::memory_order_relaxed);
  if (got > 0) {
    batch_taken_ = true;
    std::sort(out->begin(), out->end());  // table order keeps suites together
    slot_.batch_size.store(got, std::memory_order_relaxed);
    slot_.batch_done.store(0, std::memory_order_relaxed);
  }
}

bool WorkerRuntime::OutputMayHaveGrown() {
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  if (output_map_ == nullptr || output_mark_ >= output_map_size_) return true;
  // The file's pages are the mapping's pages: a write(2) at the mark shows
  // here at once (the syscall orders it before this read).
  return output_map_[output_mark_] != 0;
}

void WorkerRuntime::StartTests(std::vector<uint32_t>* tests) {
  // Interrupted (or finished): no new test starts; what this worker holds
  // is the supervisor's to report.
  if (StopRequested()) return tests->clear();
  shm::ClaimTable claims = segment_.claims();
  std::erase_if(*tests, [&](uint32_t t) { return !claims.TryStart(t, lease_); });
}

void WorkerRuntime::GiveBack(std::span<const uint32_t> tests) {
  shm::ClaimTable claims = segment_.claims();
  std::vector<uint32_t> back;
  for (uint32_t t : tests) {
    if (claims.Reclaim(t, lease_ | shm::kStartedBit, shm::kUnclaimed) ||
        claims.Reclaim(t, lease_, shm::kUnclaimed)) {
      back.push_back(t);
    }
  }
  // Owner's push: thieves may take them at once. A push that does not fit
  // (a deque full of stale copies) leaves them unclaimed in no deque: the
  // supervisor sweeps such tests up once no worker is left.
  if (!back.empty()) (void)segment_.deque(slot_index_).PushBack(back);
}

void WorkerRuntime::SetChildGroup(pid_t group) {
  // release: the supervisor reads it (acquire) when it suspends the run.
  slot_.child_group.store(static_cast<uint32_t>(group), std::memory_order_release);
}

void WorkerRuntime::LaunchRan() {
  // relaxed: a count other workers only compare; nothing is read through it.
  slot_.launches_ran.fetch_add(1, std::memory_order_relaxed);
}

// The 1-minute load average, rounded up as ctest rounds it; ctest's own
// variable for its tests stands in for it when set.
static double LoadAverage() {
  if (const char* fake = std::getenv("__CTEST_FAKE_LOAD_AVERAGE_FOR_TESTING"); fake && *fake) {
    return std::ceil(std::strtod(fake, nullptr));
  }
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? std::ceil(load[0]) : 0;
}

// Whether a worker in a slot before this one is alive and not leaving.
bool WorkerRuntime::EarlierAlive() const {
  for (uint32_t i = 0; i < slot_index_; ++i) {
    // relaxed: a stale read delays or hastens one look by a slice.
    const uint32_t state = segment_.slot(i).state.load(std::memory_order_relaxed);
    if (state == static_cast<uint32_t>(shm::WorkerState::kStarting) ||
        state == static_cast<uint32_t>(shm::WorkerState::kRunning)) {
      return true;
    }
  }
  return false;
}

void WorkerRuntime::WaitForLoad() const {
  // The first worker alive always runs (ctest's could wait for ever): slot
  // 0's, or the one left when those before it are gone (the serial phase
  // runs once no worker is left). Two that wait never wait for each other.
  // Looks at the load a second apart, in slices, so that a stop is not
  // kept waiting.
  for (int sliced = 0; !StopRequested() && EarlierAlive(); ++sliced) {
    if (sliced % 100 == 0 && LoadAverage() < test_load_) return;
    const timespec slice = {0, 10'000'000};
    nanosleep(&slice, nullptr);
  }
}

bool WorkerRuntime::AnyTestStartedSince(uint64_t* mark) const {
  uint64_t launches = 0;
  bool inside_a_test = false;
  for (uint32_t i = 0; i < segment_.header().workers; ++i) {
    const shm::WorkerSlot& s = segment_.slot(i);
    // relaxed: figures for a judgement that is only ever a heuristic; a
    // stale read at worst delays or hastens the give-up by one pause.
    launches += s.launches_ran.load(std::memory_order_relaxed);
    if (i != slot_index_ && s.child_group.load(std::memory_order_relaxed) != 0 &&
        s.phase.load(std::memory_order_relaxed) == static_cast<uint32_t>(shm::WorkerPhase::kTest)) {
      inside_a_test = true;
    }
  }
  const bool moved = launches != *mark;
  *mark = launches;
  return moved || inside_a_test;
}

bool WorkerRuntime::StartTest(uint32_t test) {
  // acquire: pairs with the supervisor's release when it decided a timeout
  // of this worker's test; that verdict is final and this worker ends.
  if (slot_.timeout.load(std::memory_order_acquire) != shm::kTimeoutNone) _exit(kTimedOutExitCode);
  return !StopRequested() && segment_.claims().TryStart(test, lease_);
}

bool WorkerRuntime::InUnit(uint32_t test) const { return segment_.test(test).unit_end != 0; }

uint64_t WorkerRuntime::OutputOffset() {
  const off_t at = lseek(STDOUT_FILENO, 0, SEEK_CUR);
  return at < 0 ? 0 : static_cast<uint64_t>(at);
}

void WorkerRuntime::SetCurrent(uint32_t test, shm::WorkerPhase phase) {
  const uint64_t now = segment_.NowNs();
  // relaxed phase, then release on the packed word: the supervisor reads the
  // word with acquire and then the phase.
  slot_.phase.store(static_cast<uint32_t>(phase), std::memory_order_relaxed);
  slot_.current.store(shm::PackCurrent(test, now / 1000), std::memory_order_release);
  slot_.heartbeat_ns.store(now, std::memory_order_relaxed);
}

void WorkerRuntime::EnvironmentSetUp(uint32_t first) {
  heading_ns_ = 0;  // a launch that died after a heading left one
  SetCurrent(first, shm::WorkerPhase::kEnvironmentSetUp);
}

void WorkerRuntime::SuiteSetUp(uint32_t first) { SetCurrent(first, shm::WorkerPhase::kSuiteSetUp); }

void WorkerRuntime::TestStarted(uint32_t test) {
  test_start_ns_ = segment_.NowNs();
  suite_set_up_ns_ = heading_ns_ != 0 ? test_start_ns_ - heading_ns_ : 0;
  heading_ns_ = 0;
  SetCurrent(test, shm::WorkerPhase::kTest);
}

void WorkerRuntime::SuiteHeading() { heading_ns_ = std::max<uint64_t>(segment_.NowNs(), 1); }

void WorkerRuntime::Publish(const shm::ResultRecord& record, std::string_view text) {
  const uint32_t fill = ring_.Write(record, text);
  // Wake a sleeping supervisor only when the ring fills up; otherwise its
  // tick collects results without a syscall per test.
  if (fill >= segment_.params().ring_records / 4) bell_.RingIfSleeping();
}

void WorkerRuntime::TestFinished(uint32_t test, core::Outcome outcome, std::string_view message,
                                 int signal, int64_t reported_ms) {
  const uint64_t end = segment_.NowNs();
  shm::ResultRecord r{};
  r.test = test;
  r.kind = static_cast<uint8_t>(shm::RecordKind::kTestResult);
  r.outcome = static_cast<uint8_t>(outcome);
  r.start_ns = test_start_ns_;
  r.duration_ns = end - test_start_ns_;
  if (reported_ms >= 0) {
    // The test binary's own figure (whole milliseconds, rounded down) wins
    // where lines read late put ours outside [ms, ms + 1).
    const uint64_t lo = static_cast<uint64_t>(reported_ms) * 1'000'000;
    r.duration_ns = std::clamp<uint64_t>(r.duration_ns, lo, lo + 999'999);
  }
  r.output_begin = output_mark_;
  if (OutputMayHaveGrown()) output_mark_ = OutputOffset();
  r.output_end = output_mark_;
  if (batches_are_launches_) {
    // Followed from a binary's console: the set-up before it (0 when it
    // did not begin its suite), which history keeps for placement.
    r.flags |= shm::kRecordSuiteSetUp;
    r.suite_set_up_us =
        static_cast<uint32_t>(std::min<uint64_t>(suite_set_up_ns_ / 1000, UINT32_MAX));
  }
  suite_set_up_ns_ = 0;
  heading_ns_ = 0;
  r.signal = static_cast<uint32_t>(signal);
  Publish(r, message);
  const auto d = static_cast<double>(r.duration_ns);
  mean_test_ns_ = mean_test_ns_ == 0 ? d : 0.8 * mean_test_ns_ + 0.2 * d;
  slot_.tests_run.fetch_add(1, std::memory_order_relaxed);
  slot_.batch_done.fetch_add(1, std::memory_order_relaxed);
  // After the record: a death from here on is not this test's.
  SetCurrent(test, shm::WorkerPhase::kSuiteTearDown);
}

void WorkerRuntime::SuiteTearDown(uint32_t last) {
  SetCurrent(last, shm::WorkerPhase::kSuiteTearDown);
}

void WorkerRuntime::RunError(uint32_t test, std::string_view message) {
  shm::ResultRecord r{};
  r.test = test;
  r.kind = static_cast<uint8_t>(shm::RecordKind::kRunError);
  Publish(r, message);
}

void WorkerRuntime::ProgramDisagrees(uint32_t last, bool program_failed, std::string_view message) {
  shm::ResultRecord r{};
  r.test = last;
  r.kind = static_cast<uint8_t>(shm::RecordKind::kProgramDisagrees);
  r.outcome =
      static_cast<uint8_t>(program_failed ? core::Outcome::kFailed : core::Outcome::kPassed);
  Publish(r, message);
}

void WorkerRuntime::Idle() {
  slot_.phase.store(static_cast<uint32_t>(shm::WorkerPhase::kIdle), std::memory_order_relaxed);
  slot_.current.store(shm::kIdleCurrent, std::memory_order_release);
}

}  // namespace mprun::runner
