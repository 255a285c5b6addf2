#include "runner/run/engine.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/file_io.h"
#include "core/input/run_history.h"
#include "core/report/junit_reader.h"
#include "core/report/report_reader.h"
#include "core/rules/topology.h"
#include "runner/process/cpus.h"
#include "runner/process/fast_exit.h"
#include "runner/process/spawner.h"
#include "runner/process/strays.h"
#include "runner/process/temp_dir.h"
#include "runner/run/run_reports.h"
#include "runner/run/timings.h"
#include "runner/run/work_source.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

core::ExitStatus Worse(core::ExitStatus a, core::ExitStatus b) {
  auto rank = [](core::ExitStatus s) {
    switch (s) {
      case core::ExitStatus::kSuccess:
        return 0;
      case core::ExitStatus::kTestsFailed:
        return 1;
      case core::ExitStatus::kUsage:
        return 2;
      case core::ExitStatus::kInterrupted:
        return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

// While the status line is drawn on a terminal, single keys are read from
// the terminal (`t`: what is running); restores the terminal's mode after.
class TerminalKeys {
 public:
  explicit TerminalKeys(bool wanted) {
    if (!wanted || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    struct termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) fd_ = STDIN_FILENO;
  }
  ~TerminalKeys() {
    if (fd_ >= 0) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  int fd() const { return fd_; }

 private:
  struct termios saved_ = {};
  int fd_ = -1;
};

core::ConsoleOptions ConsoleFor(const core::Options& opts, bool brief) {
  core::ConsoleOptions c;
  c.verbosity = brief ? 0 : opts.verbosity;  // --gtest_brief: as -q
  const bool tty = isatty(STDOUT_FILENO);
  if (opts.progress == core::ProgressMode::kNone || c.verbosity == 0) {
    c.mode = core::ConsoleOptions::Mode::kNone;
  } else if (opts.progress == core::ProgressMode::kBar ||
             (opts.progress == core::ProgressMode::kAuto && tty)) {
    c.mode = core::ConsoleOptions::Mode::kStatusLine;
  }
  const char* no_color = std::getenv("NO_COLOR");
  c.color =
      opts.color == core::ColorMode::kAlways ||
      (opts.color == core::ColorMode::kAuto && tty && (no_color == nullptr || *no_color == '\0'));
  c.durations = opts.durations;
  c.slow_after_s = opts.slow_after_s > 0 ? opts.slow_after_s : 1e18;
  struct winsize ws;
  if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) c.width = ws.ws_col;
  return c;
}

// Blocks the signals that end a run, so that they arrive through a signalfd
// in the supervisor's poll; restores everything on destruction.
class RunSignals {
 public:
  RunSignals() {
    sigemptyset(&set_);
    // SIGUSR1 asks for the running tests; SIGTSTP suspends the run (workers
    // too: they are in process groups of their own, out of the terminal's
    // reach) and SIGCONT resumes it; the others end the run.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGTSTP, SIGCONT}) sigaddset(&set_, s);
    sigprocmask(SIG_BLOCK, &set_, &old_mask_);
    fd_ = signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
    // A closed stdout (mprun ... | head) must not kill the supervisor and
    // lose the run; writes then fail quietly.
    old_pipe_ = signal(SIGPIPE, SIG_IGN);
  }
  ~RunSignals() {
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&set_, nullptr, &zero) > 0) {
    }  // consume extra ^C's that arrived while blocked
    if (fd_ >= 0) close(fd_);
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    signal(SIGPIPE, old_pipe_);
  }
  int fd() const { return fd_; }

 private:
  sigset_t set_;
  sigset_t old_mask_;
  int fd_ = -1;
  sighandler_t old_pipe_;
};

}  // namespace

std::vector<uint32_t> SelectShard(const core::Options& opts, const core::RunInfo& run,
                                  const core::Plan& plan,
                                  const std::vector<core::Expectation>& expected,
                                  std::shared_ptr<const core::ShardBasis>* basis) {
  std::vector<uint32_t> keep;
  if (opts.shard.total == 0) {
    keep.resize(run.tests.size());
    for (uint32_t t = 0; t < keep.size(); ++t) keep[t] = t;
    return keep;
  }
  if (!opts.shard_status_file.empty()) {
    // Bazel's question "does this runner shard?": yes.
    if (FILE* f = std::fopen(opts.shard_status_file.c_str(), "a")) std::fclose(f);
  }
  if (basis != nullptr) {
    *basis = std::make_shared<const core::ShardBasis>(core::MakeShardBasis(run, expected));
  }
  auto key = [&run](uint32_t t) {
    const std::string& b = run.binaries[run.tests[t].binary];
    return b.substr(b.rfind('/') + 1) + "/" + run.tests[t].FullName();
  };
  const std::vector<bool> mine = core::UnitsOfShard(plan, expected, key, opts.shard);
  for (size_t u = 0; u < plan.units.size(); ++u) {
    if (!mine[u]) continue;
    for (uint32_t t = plan.units[u].first; t < plan.units[u].end; ++t) keep.push_back(t);
  }
  return keep;
}

void UseLaunchBatches(uint64_t startup_ns, EngineSpec* spec) {
  constexpr uint64_t kUnmeasuredStartupNs = 5'000'000;
  const uint64_t startup = startup_ns > 0 ? startup_ns : kUnmeasuredStartupNs;
  spec->batch_time_ns = std::clamp(20.0 * static_cast<double>(startup), 2e6, 2e9);
  spec->max_batch = 1u << 20;
  spec->first_batch_share_divisor = 4;
  spec->order_without_durations = core::DealOrder::kSpread;
  spec->dump_grace_ms = 0;
  spec->driver_launches = true;
}

int WorkerCount(int processes, size_t tests) {
  const int usable = UsableCores();
  const int workers = processes < 0 ? usable : processes;
  return std::max(1, std::min<int>(workers, static_cast<int>(std::max<size_t>(tests, 1))));
}

namespace {

constexpr int kUsage = static_cast<int>(core::ExitStatus::kUsage);

// One parallel run from a prepared spec: its workers, segment, history,
// launcher and repetitions.
class Engine {
 public:
  Engine(const core::Options& opts, EngineSpec& spec)
      : opts_(opts),
        spec_(spec),
        run_(spec.run),
        tests_(spec.run.tests.size()),
        history_(spec.history) {}
  int Run(int processes);

 private:
  bool PlanWorkers(int processes, std::string* err);
  bool MapSegment(std::string* err);
  bool ApplyHistory(std::string* err);
  bool FillFromEarlierReport(std::string* err);
  void LaunchWorker(uint32_t slot, uint32_t lease, int output_fd);
  SupervisorOptions SupervisorOptionsFor() const;
  std::vector<double> TestLimits() const;
  core::ExitStatus Repeat(ForkSpawner& launcher, const std::vector<core::Reporter*>& reporters,
                          SupervisorOptions& sopt, bool keys_wanted);
  // What every repetition runs with.
  struct Repetitions {
    ForkSpawner& launcher;
    const std::vector<core::Reporter*>& reporters;
    const SupervisorOptions& sopt;
    int signal_fd;
    StrayReaper& strays;
    WorkSource& source;
    bool ready;  // the shared environments are up (else `why` not)
    std::string why;
  };
  bool RunRepetition(int it, Repetitions& reps, core::ExitStatus* status);
  std::string WorkerDir(uint32_t slot, uint32_t lease) const {
    return temp_root_ + "/w" + std::to_string(slot) + "-" + std::to_string(lease);
  }

  const core::Options& opts_;
  EngineSpec& spec_;
  core::RunInfo& run_;
  const size_t tests_;
  int workers_ = 0;
  core::PinPlan pins_;
  std::unique_ptr<shm::Segment> segment_;
  shm::Doorbell bell_;
  std::string temp_root_;
  core::RunHistory& history_;  // spec_.history, loaded for the run
  // A shard never writes the history: a later shard of the same run would
  // split by other durations, and the shards would overlap and leave gaps.
  bool keeps_history_ = false;
  std::vector<core::Expectation> expected_;
  double expected_mean_ns_ = 0;
  // The supervisor of the repetition under way: a worker launched in its
  // quiet phase (serial and exclusive tests, nothing else running) is
  // pinned to the quiet core, whatever the worker count.
  const Supervisor* current_ = nullptr;
};

// How many workers, pinned where; what the reports say about the host.
bool Engine::PlanWorkers(int processes, std::string* err) {
  const int usable = UsableCores();
  const std::vector<int> cpus = AffinityCpus();
  const core::Topology topology =
      opts_.pin == core::PinMode::kNone ? core::Topology{} : core::ReadTopology("/sys", cpus);
  // --pin=cores: "all usable cores" means one worker per physical core.
  if (opts_.pin == core::PinMode::kCores && processes < 0) {
    processes = std::max(1, std::min(usable, topology.cores));
  }
  workers_ = WorkerCount(processes, tests_);
  if (!core::PlanPins(topology, workers_, usable, opts_.pin, &pins_, err)) return false;
  if (opts_.verbosity >= 2) std::printf("mprun: %s\n", pins_.description.c_str());
  run_.workers = workers_;
  run_.shard = opts_.shard;
  run_.command_line = opts_.command_line;
  run_.host_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  run_.usable_cpus = usable;
  run_.pinning = pins_.description;
  run_.slow_after_s = opts_.slow_after_s;
  return true;
}

// The shared segment with the test table and the units.
bool Engine::MapSegment(std::string* err) {
  uint64_t names_bytes = 0;
  for (const core::TestName& t : run_.tests) names_bytes += t.suite.size() + t.name.size();
  shm::LayoutParams params;
  params.workers = static_cast<uint32_t>(workers_);
  params.tests = static_cast<uint32_t>(tests_);
  params.names_bytes = names_bytes;
  segment_ = shm::Segment::Create(params, err);
  if (!segment_) return false;
  for (const core::TestName& t : run_.tests) segment_->AppendTest(t.binary, t.suite, t.name);
  for (const core::Unit& u : spec_.plan.units) segment_->SetUnit(u.first, u.end);
  return true;
}

// History (loaded by the run's set-up): the longest and the recently
// failed tests go first.
bool Engine::ApplyHistory(std::string* err) {
  for (const std::string& w : spec_.history_warnings) {
    std::fprintf(stderr, "mprun: warning: %s\n", w.c_str());
  }
  keeps_history_ = opts_.shard.total == 0 && history_.loaded();
  if (!keeps_history_ && !opts_.no_history && opts_.verbosity >= 2) {
    std::printf(
        "mprun: a sharded run reads the history but leaves it as it is: record the shards' "
        "durations with `mprun merge --history=%s`\n",
        opts_.history_path.c_str());
  }
  expected_ = history_.Expected(tests_);
  if (!opts_.history_from.empty() && !FillFromEarlierReport(err)) return false;
  for (size_t t = 0; t < spec_.cost_ms.size() && t < expected_.size(); ++t) {
    if (expected_[t].cost_ms == 0 && spec_.cost_ms[t] > 0) expected_[t].cost_ms = spec_.cost_ms[t];
  }
  // Driver mode learns which suites have an expensive SetUpTestSuite (a
  // launch's workers' deques hold units: the segment is told of the new ones).
  if (spec_.driver_launches && opts_.dist == core::Dist::kAuto) {
    const size_t joined = core::KeepSuitesWithSetUps(&spec_.plan, &expected_, workers_);
    if (joined > 0) {
      for (const core::Unit& u : spec_.plan.units) segment_->SetUnit(u.first, u.end);
      if (opts_.verbosity >= 2) {
        std::printf(
            "mprun: %zu suite%s kept whole: an earlier run saw %s SetUpTestSuite take %g ms or "
            "more\n",
            joined, joined == 1 ? "" : "s", joined == 1 ? "its" : "their", core::kKeptWholeSetUpMs);
      }
    }
  }
  // With durations for most tests, the first batches are sized by them.
  expected_mean_ns_ = core::MeanExpectedNs(expected_);
  return true;
}

// --history-from: a missing report is a warning (a CI job's first run has
// none to carry), one that is not an mprun report an error.
bool Engine::FillFromEarlierReport(std::string* err) {
  const std::string& path = opts_.history_from;
  if (access(path.c_str(), F_OK) != 0) {
    std::fprintf(stderr, "mprun: warning: --history-from: %s: %s; placing without it\n",
                 path.c_str(), std::strerror(errno));
    return true;
  }
  std::string all;
  if (!core::ReadFile(path, &all, err)) {
    *err = "--history-from: " + *err;
    return false;
  }
  const size_t begins = all.find_first_not_of(" \t\r\n");
  core::MergedReports report;
  bool read = false;
  if (begins != std::string::npos && all[begins] == '<') {
    read = core::ReadJunit(path, all, &report, err);
  } else {
    core::ReportReader reader;
    read = reader.Add(path, all, err);
    if (read) report = reader.Finish();
  }
  if (!read) {
    *err = "--history-from: " + *err + " (it takes an mprun --json report or JUnit XML)";
    return false;
  }
  const size_t filled = core::FillFromReport(report, run_, &expected_);
  if (opts_.verbosity >= 2) {
    std::printf("mprun: --history-from %s: durations for %zu test%s\n", path.c_str(), filled,
                filled == 1 ? "" : "s");
  }
  return true;
}

// In the forked worker process: its configuration, then the way in's work.
void Engine::LaunchWorker(uint32_t slot, uint32_t lease, int output_fd) {
  WorkerConfig config;
  config.slot = slot;
  config.lease = lease;
  config.workers = static_cast<uint32_t>(workers_);
  config.output_fd = output_fd;
  config.pin_cpu = current_ != nullptr && current_->quiet_phase() ? pins_.quiet_cpu
                   : slot < pins_.worker_cpus.size()              ? pins_.worker_cpus[slot]
                                                                  : -1;
  config.temp_dir = WorkerDir(slot, lease);
  config.restart_after_batch = opts_.restart_worker;
  config.test_load = spec_.test_load;
  config.batch_time_ns = spec_.batch_time_ns;
  if (spec_.driver_launches) {
    config.batch_time_ns =
        core::ContendedBatchTimeNs(spec_.batch_time_ns, config.workers, run_.usable_cpus);
    config.batches_are_launches = true;
  }
  config.max_batch = spec_.max_batch;
  config.expected_mean_test_ns = expected_mean_ns_;
  if (spec_.first_batch_share_divisor > 0) {
    config.first_batch = static_cast<uint32_t>(
        tests_ / (static_cast<size_t>(workers_) * spec_.first_batch_share_divisor));
  }
  config.dump_backtrace = spec_.dump_grace_ms > 0;
  mkdir(config.temp_dir.c_str(), 0700);
  std::string why;
  if (!PrepareWorkerProcess(*segment_, bell_, config, &why)) {
    std::fprintf(stderr, "mprun: worker %u: %s\n", slot, why.c_str());
    _exit(3);
  }
  WorkerRuntime runtime(*segment_, bell_, config);
  spec_.work(runtime);
  ExitWorkerProcess(*segment_, slot);
}

// Each test's own limit: the way in's (a CTest TIMEOUT) where it set one,
// else, without --process-timeout, the one its history allows; empty when
// every test has the run's.
std::vector<double> Engine::TestLimits() const {
  const bool own = !spec_.test_limits_s.empty();
  if (!own && !opts_.auto_timeout()) return {};
  std::vector<double> limits(tests_, opts_.process_timeout_s);
  for (size_t t = 0; t < tests_; ++t) {
    if (own && t < spec_.test_limits_s.size() && spec_.test_limits_s[t] >= 0) {
      limits[t] = spec_.test_limits_s[t];
    } else if (opts_.auto_timeout()) {
      limits[t] = core::AutoLimitS(t < expected_.size() ? expected_[t].longest_ms : 0);
    }
  }
  return limits;
}

SupervisorOptions Engine::SupervisorOptionsFor() const {
  SupervisorOptions sopt;
  sopt.timeout_s = opts_.auto_timeout() ? core::kUnknownTestLimitS : opts_.process_timeout_s;
  sopt.auto_limits = opts_.auto_timeout();
  sopt.test_limits_s = TestLimits();
  if (!spec_.test_limits_s.empty()) sopt.own_limits.assign(tests_, false);
  for (size_t t = 0; t < spec_.test_limits_s.size() && t < tests_; ++t) {
    sopt.own_limits[t] = spec_.test_limits_s[t] >= 0;
  }
  if (spec_.stop_at != 0) {  // in the segment's clock, as the deadlines are
    const time_t left = std::max<time_t>(spec_.stop_at - time(nullptr), 0);
    sopt.stop_at_ns = segment_->NowNs() + static_cast<uint64_t>(left) * 1'000'000'000;
  }
  sopt.slow_after_s = opts_.slow_after_s;
  // Without durations, a test that runs long has its neighbours taken first.
  if (expected_mean_ns_ == 0) sopt.neighbours_of = &spec_.plan;
  sopt.restart_worker = opts_.restart_worker;
  sopt.serial_items = core::SerialItems(spec_.plan);
  sopt.stop_on_failure = opts_.stop_on_failure || spec_.fail_fast;
  sopt.keep_passing_output = opts_.show_all_output;
  sopt.retries = opts_.retries;
  sopt.flaky_fails = opts_.flaky_fails;
  sopt.retry_timeouts_only = opts_.retry_timeouts_only;
  sopt.dump_grace_ms = spec_.dump_grace_ms;
  sopt.repeat_each = opts_.repeat_each;
  sopt.driver_launches = spec_.driver_launches;
  sopt.interrupt_grace_ms = static_cast<int>(std::min(opts_.interrupt_grace_s, 86400.0) * 1000);
  sopt.on_worker_ended = [this](uint32_t slot, uint32_t lease) {
    RemoveTree(WorkerDir(slot, lease));
  };
  return sopt;
}

// Repetition `it` (0-based); false when it is the last.
bool Engine::RunRepetition(int it, Repetitions& reps, core::ExitStatus* status) {
  const int repeat = spec_.repeat;
  if (repeat != 1) std::printf("%smprun: repetition %d\n", it ? "\n" : "", it + 1);
  if (it > 0) {
    segment_->claims().Reset();
    for (uint32_t d = 0; d < segment_->deques(); ++d) segment_->deque(d).Reset();
    segment_->header().stop.store(0, std::memory_order_relaxed);  // no worker is alive
  }
  const auto shares = reps.source.Take(it);
  for (int w = 0; w < workers_; ++w) segment_->deque(static_cast<uint32_t>(w)).PushBack(shares[w]);
  core::Ledger ledger(tests_);
  Supervisor supervisor(*segment_, bell_, reps.launcher, run_, ledger, reps.reporters, reps.sopt,
                        [this] { return segment_->NowNs(); });
  current_ = &supervisor;
  if (!reps.ready) {
    supervisor.FailBeforeStart(reps.why);
  } else if (supervisor.Start()) {
    timings::Mark("workers started");
    while (!supervisor.Finished()) supervisor.Step(50, reps.signal_fd);
  }
  timings::Mark("tests run, workers gone");
  if (const int n = reps.strays.KillStrays(); n > 0) {
    supervisor.AddWarning("killed " + std::to_string(n) + (n == 1 ? " process" : " processes") +
                          " the tests left running outside their worker (daemonised)");
  }
  timings::Mark("strays");
  const bool last = !reps.ready || supervisor.summary().interrupted ||
                    supervisor.summary().setup_error || (repeat >= 0 && it + 1 >= repeat);
  if (last && spec_.after_run) spec_.after_run(&supervisor);
  if (opts_.perf_report || opts_.fail_on_slowdown_pct > 0) {
    supervisor.SetPerfReport(history_.Judge(ledger, opts_.fail_on_slowdown_pct));
  }
  supervisor.Finish();
  timings::Mark("reports");
  current_ = nullptr;
  reps.source.Finish(ledger);
  *status = Worse(*status, core::StatusOf(ledger, supervisor.summary()));
  if (keeps_history_) history_.Record(ledger);
  return !last;
}

// Every repetition, with the run's signals taken through the supervisor's
// poll and the strays of the tests reaped.
core::ExitStatus Engine::Repeat(ForkSpawner& launcher,
                                const std::vector<core::Reporter*>& reporters,
                                SupervisorOptions& sopt, bool keys_wanted) {
  core::ExitStatus status = core::ExitStatus::kSuccess;
  RunSignals signals;
  TerminalKeys keys(keys_wanted);
  sopt.input_fd = keys.fd();
  std::string why;
  const bool ready = tests_ == 0 || !spec_.before_run || spec_.before_run(&why);
  // From here on, what tests leave behind comes back to us (after the
  // shared environments' SetUp: their servers are not strays).
  StrayReaper strays;
  LocalDeal source({&spec_.plan, workers_, opts_.no_history ? nullptr : &expected_,
                    spec_.shuffle_seed, spec_.order_without_durations});
  Repetitions reps{launcher, reporters, sopt, signals.fd(), strays, source, ready, why};
  for (int it = 0; spec_.repeat < 0 || it < std::max(spec_.repeat, 1); ++it) {
    if (!RunRepetition(it, reps, &status)) break;
  }
  return status;
}

int Engine::Run(int processes) {
  std::string err;
  if (!PlanWorkers(processes, &err) || !MapSegment(&err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  }
  timings::Mark("segment");
  if (!ApplyHistory(&err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  }
  if (spec_.shuffle_seed) {
    std::printf("mprun: shuffling the order with --gtest_random_seed=%u\n", *spec_.shuffle_seed);
  }
  if (!shm::Doorbell::Create(&segment_->header().supervisor_sleeping, &bell_, &err) ||
      !MakeRunTempDir(&temp_root_, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return kUsage;
  }
  ForkSpawner launcher([this](uint32_t slot, uint32_t lease,
                              int output_fd) { LaunchWorker(slot, lease, output_fd); },
                       kOutputFileSpan);
  const core::ConsoleOptions console = ConsoleFor(opts_, spec_.brief);
  Reporters reporters(stdout, console,
                      {opts_.junit_path, opts_.trace_path, opts_.json_path, opts_.html_path,
                       spec_.gtest_output_format, spec_.gtest_output_path, opts_.log_path});
  SupervisorOptions sopt = SupervisorOptionsFor();
  // Judging durations needs the history as it was before this run.
  if ((opts_.perf_report || opts_.fail_on_slowdown_pct > 0) && opts_.no_history) {
    std::fprintf(
        stderr,
        "mprun: warning: --perf-report/--fail-on-slowdown without a history (--no-history) "
        "judge nothing\n");
  }
  NoteParallelRun();
  core::ExitStatus status = Repeat(launcher, reporters.all(), sopt,
                                   console.mode == core::ConsoleOptions::Mode::kStatusLine);
  RemoveTree(temp_root_);
  timings::Mark("temporary folders");
  if (tests_ > 0 && keeps_history_) {
    std::vector<std::string> errors;
    history_.Save(opts_.history_path, &errors);
    for (const std::string& e : errors) {
      std::fprintf(stderr, "mprun: warning: history not saved: %s\n", e.c_str());
    }
    timings::Mark("history saved");
  }
  if (reporters.Failed() && status == core::ExitStatus::kSuccess) status = core::ExitStatus::kUsage;
  return static_cast<int>(status);
}

}  // namespace

int RunEngine(const core::Options& opts, int processes, EngineSpec& spec) {
  return Engine(opts, spec).Run(processes);
}

}  // namespace mprun::runner
