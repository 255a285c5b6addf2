#include "runner/engine.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/console_reporter.h"
#include "core/gtest_output.h"
#include "core/history.h"
#include "core/html_report.h"
#include "core/json_reporter.h"
#include "core/junit_reporter.h"
#include "core/topology.h"
#include "core/trace_reporter.h"
#include "runner/cpus.h"
#include "runner/fast_exit.h"
#include "runner/launcher.h"
#include "runner/strays.h"
#include "runner/temp_dir.h"
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

// One history per binary (each has its section in the file), and where each
// binary's tests start in the run's table.
class RunHistory {
 public:
  void Load(const core::Options& opts, const core::RunInfo& run, bool quiet = false) {
    if (opts.no_history) return;
    for (uint32_t b = 0; b < run.binaries.size(); ++b) {
      Part part;
      part.first = static_cast<uint32_t>(
          std::find_if(run.tests.begin(), run.tests.end(),
                       [b](const core::TestName& t) { return t.binary == b; }) -
          run.tests.begin());
      uint32_t end = part.first;
      while (end < run.tests.size() && run.tests[end].binary == b) ++end;
      if (end == part.first) continue;
      // The History keeps a pointer to its tests: the run's own table when
      // it is all one binary's, else a copy of this binary's part.
      const std::vector<core::TestName>* tests = &run.tests;
      if (part.first != 0 || end != run.tests.size()) {
        part.own = std::make_unique<std::vector<core::TestName>>(run.tests.begin() + part.first,
                                                                 run.tests.begin() + end);
        tests = part.own.get();
      }
      std::string warning;
      part.history = core::History::Load(opts.history_path, run.binaries[b], tests, &warning);
      if (!warning.empty() && !quiet) {
        std::fprintf(stderr, "mprun: warning: %s\n", warning.c_str());
      }
      part.count = end - part.first;
      parts_.push_back(std::move(part));
    }
  }
  std::vector<core::Expectation> Expected(size_t tests) const {
    std::vector<core::Expectation> expected(tests);
    core::TestHistory h;
    for (const Part& p : parts_) {
      for (uint32_t i = 0; i < p.count; ++i) {
        const bool seen = p.history.Find(i, &h);
        expected[p.first + i].cost_ms = seen ? h.EstimateMs() : 0;
        expected[p.first + i].first = !seen || core::IsFailure(h.last_outcome);
      }
    }
    return expected;
  }
  // The mean duration of the tests the history knows, when it knows at
  // least half of `tests`; else 0.
  double MeanNs(size_t tests) const {
    double sum_ms = 0;
    size_t seen = 0;
    core::TestHistory h;
    for (const Part& p : parts_) {
      for (uint32_t i = 0; i < p.count; ++i) {
        if (!p.history.Find(i, &h)) continue;
        sum_ms += h.EstimateMs();
        ++seen;
      }
    }
    if (seen == 0 || seen * 2 < tests) return 0;
    return std::max(1000.0, sum_ms * 1e6 / static_cast<double>(seen));
  }
  // Which passed tests of this run moved beyond the noise of their history.
  core::PerfReport Judge(const core::Ledger& ledger, const core::Options& opts) const {
    core::PerfReport report;
    report.wanted = true;
    report.fail_on_slowdown_pct = opts.fail_on_slowdown_pct;
    core::PerfThresholds th;
    // A slowdown that fails the run is also one worth reporting.
    if (opts.fail_on_slowdown_pct > 0) {
      th.min_relative = std::min(th.min_relative, opts.fail_on_slowdown_pct / 100);
    }
    report.min_relative_pct = th.min_relative * 100;
    core::TestHistory h;
    for (const Part& p : parts_) {
      for (uint32_t i = 0; i < p.count; ++i) {
        const uint32_t t = p.first + i;
        if (!ledger.Finished(t) || ledger.Get(t).outcome != core::Outcome::kPassed) continue;
        if (!p.history.Find(i, &h)) h.durations_us.clear();
        const core::PerfVerdict v = core::JudgeDuration(
            h.durations_us, static_cast<double>(ledger.Get(t).duration_ns) / 1e6, th);
        if (v.move == core::PerfMove::kTooLittleHistory) {
          ++report.without_history;
          continue;
        }
        ++report.judged;
        if (v.move == core::PerfMove::kSteady) continue;
        const bool fails = v.move == core::PerfMove::kSlower && opts.fail_on_slowdown_pct > 0 &&
                           v.change_pct >= opts.fail_on_slowdown_pct;
        report.changes.push_back(
            {t, v, fails, std::vector<double>(h.durations_us.begin(), h.durations_us.end())});
        for (double& ms : report.changes.back().history_ms) ms /= 1000;
      }
    }
    std::stable_sort(report.changes.begin(), report.changes.end(),
                     [](const core::PerfChange& a, const core::PerfChange& b) {
                       return a.verdict.change_pct > b.verdict.change_pct;
                     });
    return report;
  }
  void Record(const core::Ledger& ledger) {
    for (Part& p : parts_) {
      for (uint32_t i = 0; i < p.count; ++i) {
        if (!ledger.Finished(p.first + i)) continue;
        const core::TestResult& r = ledger.Get(p.first + i);
        p.history.Record(i, static_cast<double>(r.duration_ns) / 1e6, r.outcome, r.flaky);
      }
    }
  }
  void Save(const core::Options& opts) const {
    for (const Part& p : parts_) {
      std::string why;
      if (!p.history.Save(opts.history_path, &why)) {
        std::fprintf(stderr, "mprun: warning: history not saved: %s\n", why.c_str());
      }
    }
  }

 private:
  struct Part {
    uint32_t first = 0;
    uint32_t count = 0;
    std::unique_ptr<std::vector<core::TestName>> own;
    core::History history;
  };
  std::vector<Part> parts_;
};

}  // namespace

std::vector<uint32_t> SelectShard(const core::Options& opts, const core::RunInfo& run,
                                  const core::Plan& plan,
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
  RunHistory history;
  history.Load(opts, run, /*quiet=*/true);  // the run proper says what is wrong with it
  const std::vector<core::Expectation> expected = history.Expected(run.tests.size());
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

int WorkerCount(int processes, size_t tests) {
  const int usable = UsableCores();
  const int workers = processes < 0 ? usable : processes;
  return std::max(1, std::min<int>(workers, static_cast<int>(std::max<size_t>(tests, 1))));
}

int RunEngine(const core::Options& opts, int processes, EngineSpec& spec) {
  core::RunInfo& run = spec.run;
  const size_t test_count = run.tests.size();
  const int usable = UsableCores();
  const std::vector<int> cpus = AffinityCpus();
  const core::Topology topology =
      opts.pin == core::PinMode::kNone ? core::Topology{} : core::ReadTopology("/sys", cpus);
  // --pin=cores: "all usable cores" means one worker per physical core.
  if (opts.pin == core::PinMode::kCores && processes < 0) {
    processes = std::max(1, std::min(usable, topology.cores));
  }
  const int workers = WorkerCount(processes, test_count);
  core::PinPlan pins;
  std::string err;
  if (!core::PlanPins(topology, workers, usable, opts.pin, &pins, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  if (opts.verbosity >= 2) std::printf("mprun: %s\n", pins.description.c_str());
  run.workers = workers;
  run.shard = opts.shard;
  run.command_line = opts.command_line;
  run.host_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  run.usable_cpus = usable;
  run.pinning = pins.description;
  uint64_t names_bytes = 0;
  for (const core::TestName& t : run.tests) names_bytes += t.suite.size() + t.name.size();

  shm::LayoutParams params;
  params.workers = static_cast<uint32_t>(workers);
  params.tests = static_cast<uint32_t>(test_count);
  params.names_bytes = names_bytes;
  std::unique_ptr<shm::Segment> segment = shm::Segment::Create(params, &err);
  if (!segment) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  for (const core::TestName& t : run.tests) segment->AppendTest(t.binary, t.suite, t.name);
  const core::Plan& plan = spec.plan;
  for (const core::Unit& u : plan.units) segment->SetUnit(u.first, u.end);
  // History: the longest and the recently failed tests go first.
  RunHistory history;
  history.Load(opts, run);
  // A shard never writes the history: a later shard of the same run would
  // split by other durations, and the shards would overlap and leave gaps.
  const bool keeps_history = opts.shard.total == 0;
  if (!keeps_history && !opts.no_history && opts.verbosity >= 2) {
    std::printf(
        "mprun: a sharded run reads the history but leaves it as it is: record the shards' "
        "durations with `mprun merge --history=%s`\n",
        opts.history_path.c_str());
  }
  const std::vector<core::Expectation> expected = history.Expected(test_count);
  // With durations for most tests, the first batches are sized by them.
  const double expected_mean_ns = history.MeanNs(test_count);
  if (spec.shuffle_seed) {
    std::printf("mprun: shuffling the order with --gtest_random_seed=%u\n", *spec.shuffle_seed);
  }
  shm::Doorbell bell;
  if (!shm::Doorbell::Create(&segment->header().supervisor_sleeping, &bell, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  std::string temp_root;
  if (!MakeRunTempDir(&temp_root, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  auto worker_dir = [&temp_root](uint32_t slot, uint32_t lease) {
    return temp_root + "/w" + std::to_string(slot) + "-" + std::to_string(lease);
  };

  // The supervisor of the repetition under way: a worker launched in its
  // quiet phase (serial and exclusive tests, nothing else running) is
  // pinned to the quiet core, whatever the worker count.
  const Supervisor* current = nullptr;
  ForkLauncher launcher(
      [&](uint32_t slot, uint32_t lease, int output_fd) {
        WorkerConfig config;
        config.slot = slot;
        config.lease = lease;
        config.workers = static_cast<uint32_t>(workers);
        config.output_fd = output_fd;
        config.pin_cpu = current != nullptr && current->quiet_phase() ? pins.quiet_cpu
                         : slot < pins.worker_cpus.size()             ? pins.worker_cpus[slot]
                                                                      : -1;
        config.temp_dir = worker_dir(slot, lease);
        config.restart_after_batch = opts.restart_worker;
        config.batch_time_ns = spec.batch_time_ns;
        config.max_batch = spec.max_batch;
        config.expected_mean_test_ns = expected_mean_ns;
        if (spec.first_batch_share_divisor > 0) {
          config.first_batch = static_cast<uint32_t>(
              test_count / (static_cast<size_t>(workers) * spec.first_batch_share_divisor));
        }
        config.dump_backtrace = spec.dump_grace_ms > 0;
        mkdir(config.temp_dir.c_str(), 0700);
        std::string why;
        if (!PrepareWorkerProcess(*segment, bell, config, &why)) {
          std::fprintf(stderr, "mprun: worker %u: %s\n", slot, why.c_str());
          _exit(3);
        }
        WorkerRuntime runtime(*segment, bell, config);
        spec.work(runtime);
        ExitWorkerProcess(*segment, slot);
      },
      kOutputFileSpan);

  const core::ConsoleOptions console_options = ConsoleFor(opts, spec.brief);
  core::ConsoleReporter console(stdout, console_options);
  std::vector<core::Reporter*> reporters = {&console};
  std::unique_ptr<core::JunitReporter> junit;
  if (!opts.junit_path.empty()) {
    junit = std::make_unique<core::JunitReporter>(opts.junit_path);
    reporters.push_back(junit.get());
  }
  std::unique_ptr<core::TraceReporter> trace;
  if (!opts.trace_path.empty()) {
    trace = std::make_unique<core::TraceReporter>(opts.trace_path);
    reporters.push_back(trace.get());
  }
  std::unique_ptr<core::JsonReporter> json;
  if (!opts.json_path.empty()) {
    json = std::make_unique<core::JsonReporter>(opts.json_path);
    reporters.push_back(json.get());
  }
  std::unique_ptr<core::HtmlReporter> html;
  if (!opts.html_path.empty()) {
    html = std::make_unique<core::HtmlReporter>(opts.html_path);
    reporters.push_back(html.get());
  }
  // --gtest_output: one merged file in gtest's schema (workers write none).
  std::unique_ptr<core::GtestOutputReporter> gtest_output;
  if (!spec.gtest_output_path.empty()) {
    gtest_output = std::make_unique<core::GtestOutputReporter>(spec.gtest_output_format,
                                                               spec.gtest_output_path);
    reporters.push_back(gtest_output.get());
  }
  SupervisorOptions sopt;
  sopt.timeout_s = opts.process_timeout_s;
  sopt.restart_worker = opts.restart_worker;
  sopt.serial_items = core::SerialItems(plan);
  sopt.stop_on_failure = opts.stop_on_failure || spec.fail_fast;
  sopt.keep_passing_output = opts.show_all_output;
  sopt.retries = opts.retries;
  sopt.flaky_fails = opts.flaky_fails;
  sopt.dump_grace_ms = spec.dump_grace_ms;
  sopt.repeat_each = opts.repeat_each;
  sopt.driver_launches = spec.driver_launches;
  sopt.interrupt_grace_ms = static_cast<int>(std::min(opts.interrupt_grace_s, 86400.0) * 1000);
  sopt.on_worker_ended = [&](uint32_t slot, uint32_t lease) {
    RemoveTree(worker_dir(slot, lease));
  };

  // Judging durations needs the history as it was before this run.
  const bool perf_wanted = opts.perf_report || opts.fail_on_slowdown_pct > 0;
  if (perf_wanted && opts.no_history) {
    std::fprintf(
        stderr,
        "mprun: warning: --perf-report/--fail-on-slowdown without a history (--no-history) "
        "judge nothing\n");
  }
  NoteParallelRun();
  core::ExitStatus status = core::ExitStatus::kSuccess;
  {
    RunSignals signals;
    TerminalKeys keys(console_options.mode == core::ConsoleOptions::Mode::kStatusLine);
    sopt.input_fd = keys.fd();
    std::string why;
    const bool ready = test_count == 0 || !spec.before_run || spec.before_run(&why);
    // From here on, what tests leave behind comes back to us (after the
    // shared environments' SetUp: their servers are not strays).
    StrayReaper strays;
    const int repeat = spec.repeat;
    for (int it = 0; repeat < 0 || it < std::max(repeat, 1); ++it) {
      if (repeat != 1) std::printf("%smprun: repetition %d\n", it ? "\n" : "", it + 1);
      if (it > 0) {
        segment->claims().Reset();
        for (uint32_t d = 0; d < segment->deques(); ++d) segment->deque(d).Reset();
        segment->header().stop.store(0, std::memory_order_relaxed);  // no worker is alive
      }
      // Contiguous shares keep neighbours with one worker; stealing evens
      // out the rest.
      std::optional<uint32_t> seed = spec.shuffle_seed;
      if (seed) *seed += static_cast<uint32_t>(it);
      const auto shares = seed || opts.no_history ? core::DealUnits(plan, workers, seed)
                                                  : core::DealByHistory(plan, workers, expected);
      for (int w = 0; w < workers; ++w) {
        segment->deque(static_cast<uint32_t>(w)).PushBack(shares[w]);
      }
      core::Ledger ledger(test_count);
      Supervisor supervisor(*segment, bell, launcher, run, ledger, reporters, sopt,
                            [&segment] { return segment->NowNs(); });
      current = &supervisor;
      if (!ready) {
        supervisor.FailBeforeStart(why);
      } else if (supervisor.Start()) {
        while (!supervisor.Finished()) supervisor.Step(50, signals.fd());
      }
      if (const int n = strays.KillStrays(); n > 0) {
        supervisor.AddWarning("killed " + std::to_string(n) + (n == 1 ? " process" : " processes") +
                              " the tests left running outside their worker (daemonised)");
      }
      const bool last = !ready || supervisor.summary().interrupted ||
                        supervisor.summary().setup_error || (repeat >= 0 && it + 1 >= repeat);
      if (last && spec.after_run) spec.after_run(&supervisor);
      if (perf_wanted) supervisor.SetPerfReport(history.Judge(ledger, opts));
      supervisor.Finish();
      current = nullptr;
      status = Worse(status, core::StatusOf(ledger, supervisor.summary()));
      if (keeps_history) history.Record(ledger);
      if (last) break;
    }
  }
  RemoveTree(temp_root);
  if (test_count > 0 && keeps_history) history.Save(opts);
  const bool report_failed = (json && !json->error().empty()) || (html && !html->error().empty()) ||
                             (gtest_output && !gtest_output->error().empty()) ||
                             (junit && !junit->error().empty()) ||
                             (trace && !trace->error().empty());
  if (report_failed && status == core::ExitStatus::kSuccess) {
    status = core::ExitStatus::kUsage;
  }
  return static_cast<int>(status);
}

}  // namespace mprun::runner
