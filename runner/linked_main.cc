// mprun::RunAllTests: the linked-mode entry point. Runs in the test binary's
// own process, which becomes the supervisor of a parallel run (or stays plain
// GoogleTest without --processes).
#include <mprun/mprun.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "core/console_reporter.h"
#include "core/gtest_output.h"
#include "core/history.h"
#include "core/json_reporter.h"
#include "core/junit_reporter.h"
#include "core/options.h"
#include "core/plan.h"
#include "core/trace_reporter.h"
#include "runner/cpus.h"
#include "runner/fast_exit.h"
#include "runner/gtest_executor.h"
#include "runner/launcher.h"
#include "runner/supervisor.h"
#include "runner/temp_dir.h"
#include "runner/worker.h"
#include "shm/segment.h"

namespace mprun {

namespace {

bool HasArg(int argc, char** argv, const char* prefix) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

bool WantsHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    for (const char* h : {"--help", "-h", "-?", "/?"}) {
      if (std::strcmp(argv[i], h) == 0) return true;
    }
  }
  return false;
}

// What MPRUN_SPLIT_SUITE/MPRUN_SERIAL_SUITE and AddSharedEnvironment
// registered (during static initialisation, hence function-local).
std::vector<std::pair<std::string, internal::SuiteMark>>& SuiteMarks() {
  static auto* marks = new std::vector<std::pair<std::string, internal::SuiteMark>>;
  return *marks;
}
std::vector<testing::Environment*>& SharedEnvironments() {
  static auto* envs = new std::vector<testing::Environment*>;
  return *envs;
}

// "Prefix/Suite" (value-parameterised) and "Suite/0" (typed) are the suite
// written as "Suite".
bool SuiteIs(std::string_view suite, std::string_view mark) {
  if (suite == mark) return true;
  const size_t slash = suite.find('/');
  if (slash == std::string_view::npos) return false;
  return suite.substr(slash + 1) == mark || suite.substr(0, slash) == mark;
}

core::SuiteTraits TraitsOf(const testing::TestSuite* suite) {
  core::SuiteTraits traits;
  traits.has_fixtures = runner::SuiteHasFixtures(suite);
  for (const auto& [name, mark] : SuiteMarks()) {
    if (!SuiteIs(suite->name(), name)) continue;
    if (mark == internal::SuiteMark::kSplit) traits.split = true;
    if (mark == internal::SuiteMark::kSerial) traits.serial = true;
  }
  return traits;
}

core::Plan PlanFor(const std::vector<runner::GtestTest>& tests, core::Dist dist) {
  std::vector<uint32_t> suite_of;
  std::vector<core::SuiteTraits> traits;
  const testing::TestSuite* last = nullptr;
  for (const runner::GtestTest& t : tests) {
    if (t.suite != last) {
      traits.push_back(TraitsOf(t.suite));
      last = t.suite;
    }
    suite_of.push_back(static_cast<uint32_t>(traits.size() - 1));
  }
  return core::MakePlan(suite_of, traits, dist);
}

// --list: the selected tests; with -v, grouped as they will be dispatched.
int ListTests(const core::Options& opts) {
  const runner::GtestTests selected = runner::SelectGtestTests();
  const core::Plan plan = PlanFor(selected.tests, opts.dist);
  auto name = [&](uint32_t t) {
    return std::string(selected.tests[t].info->test_suite_name()) + "." +
           selected.tests[t].info->name();
  };
  for (const core::Unit& u : plan.units) {
    const char* serial = u.serial ? " [serial]" : "";
    if (opts.verbosity >= 2 && u.kept_together) {
      std::printf("%s: %u tests kept together (%s)%s\n",
                  selected.tests[u.first].info->test_suite_name(), u.end - u.first, u.why, serial);
      for (uint32_t t = u.first; t < u.end; ++t) std::printf("  %s\n", name(t).c_str());
    } else {
      for (uint32_t t = u.first; t < u.end; ++t) {
        std::printf("%s%s\n", name(t).c_str(), opts.verbosity >= 2 ? serial : "");
      }
    }
  }
  return 0;
}

// SetUp of the shared environments, in order; false (with what failed) at
// the first one whose SetUp records a failure. `*done` counts those set up.
bool SetUpSharedEnvironments(size_t* done, std::string* why) {
  const testing::TestResult& ad_hoc = testing::UnitTest::GetInstance()->ad_hoc_test_result();
  for (testing::Environment* env : SharedEnvironments()) {
    const int before = ad_hoc.total_part_count();
    env->SetUp();
    ++*done;
    for (int i = before; i < ad_hoc.total_part_count(); ++i) {
      const testing::TestPartResult& part = ad_hoc.GetTestPartResult(i);
      if (!part.failed()) continue;
      *why += "a shared environment's SetUp() failed";
      if (part.file_name() != nullptr) {
        *why += std::string(" at ") + part.file_name() + ":" + std::to_string(part.line_number());
      }
      *why += ": " + std::string(part.message());
    }
    if (!why->empty()) return false;
  }
  return true;
}

// TearDown in reverse order of the first `count`; failures become errors.
void TearDownSharedEnvironments(size_t count, runner::Supervisor* supervisor) {
  const testing::TestResult& ad_hoc = testing::UnitTest::GetInstance()->ad_hoc_test_result();
  for (size_t i = count; i-- > 0;) {
    const int before = ad_hoc.total_part_count();
    SharedEnvironments()[i]->TearDown();
    for (int p = before; p < ad_hoc.total_part_count(); ++p) {
      if (ad_hoc.GetTestPartResult(p).failed()) {
        supervisor->AddRunError(std::string("a shared environment's TearDown() failed: ") +
                                ad_hoc.GetTestPartResult(p).message());
      }
    }
  }
}

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

core::ConsoleOptions ConsoleFor(const core::Options& opts) {
  core::ConsoleOptions c;
  c.verbosity = GTEST_FLAG_GET(brief) ? 0 : opts.verbosity;  // --gtest_brief: as -q
  const bool tty = isatty(STDOUT_FILENO);
  if (opts.progress == "none" || c.verbosity == 0) {
    c.mode = core::ConsoleOptions::Mode::kNone;
  } else if (opts.progress == "bar" || (opts.progress == "auto" && tty)) {
    c.mode = core::ConsoleOptions::Mode::kStatusLine;
  }
  const char* no_color = std::getenv("NO_COLOR");
  c.color = opts.color == "always" ||
            (opts.color == "auto" && tty && (no_color == nullptr || *no_color == '\0'));
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
    // SIGUSR1 asks for the running tests; the others end the run.
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set_, s);
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

int RunParallel(const core::Options& opts, int processes, const char* binary) {
  const runner::GtestTests selected = runner::SelectGtestTests();
  const std::vector<runner::GtestTest>& tests = selected.tests;
  std::string output_format, output_path, err;
  if (!GTEST_FLAG_GET(output).empty() &&
      !core::ParseGtestOutput(GTEST_FLAG_GET(output), binary, &output_format, &output_path, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  const int usable = runner::UsableCores();
  int workers = processes < 0 ? usable : processes;
  workers =
      std::max(1, std::min<int>(workers, static_cast<int>(std::max<size_t>(tests.size(), 1))));

  core::RunInfo run;
  run.binaries.push_back(binary);
  run.workers = workers;
  uint64_t names_bytes = 0;
  run.tests.reserve(tests.size());
  for (const runner::GtestTest& t : tests) {
    run.tests.push_back({0, t.info->test_suite_name(), t.info->name()});
    names_bytes += run.tests.back().suite.size() + run.tests.back().name.size();
  }

  shm::LayoutParams params;
  params.workers = static_cast<uint32_t>(workers);
  params.tests = static_cast<uint32_t>(tests.size());
  params.names_bytes = names_bytes;
  std::unique_ptr<shm::Segment> segment = shm::Segment::Create(params, &err);
  if (!segment) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  for (const core::TestName& t : run.tests) segment->AppendTest(0, t.suite, t.name);
  const core::Plan plan = PlanFor(tests, opts.dist);
  for (const core::Unit& u : plan.units) segment->SetUnit(u.first, u.end);
  // History: the longest and the recently failed tests go first.
  core::History history;
  std::vector<core::Expectation> expected(tests.size());
  if (!opts.no_history) {
    std::string warning;
    history = core::History::Load(opts.history_path, binary, &run.tests, &warning);
    if (!warning.empty()) std::fprintf(stderr, "mprun: warning: %s\n", warning.c_str());
    core::TestHistory h;
    for (uint32_t t = 0; t < tests.size(); ++t) {
      const bool seen = history.Find(t, &h);
      expected[t].cost_ms = seen ? h.EstimateMs() : 0;
      expected[t].first = !seen || core::IsFailure(h.last_outcome);
    }
  }
  std::optional<uint32_t> shuffle_seed;
  if (GTEST_FLAG_GET(shuffle)) {
    // One seed for the whole run, printed so that it can be given back.
    int32_t seed = GTEST_FLAG_GET(random_seed);
    if (seed == 0) seed = static_cast<int32_t>(shm::MonotonicNs() % 99999) + 1;
    shuffle_seed = static_cast<uint32_t>(seed);
    std::printf("mprun: shuffling the order with --gtest_random_seed=%d\n", seed);
  }
  shm::Doorbell bell;
  if (!shm::Doorbell::Create(&segment->header().supervisor_sleeping, &bell, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  std::string temp_root;
  if (!runner::MakeRunTempDir(&temp_root, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  auto worker_dir = [&temp_root](uint32_t slot, uint32_t lease) {
    return temp_root + "/w" + std::to_string(slot) + "-" + std::to_string(lease);
  };

  const std::vector<int> cpus = runner::AffinityCpus();
  const bool pin = workers <= usable && static_cast<size_t>(workers) <= cpus.size();
  const bool direct = runner::UseDirectExecutor();
  runner::ForkLauncher launcher(
      [&](uint32_t slot, uint32_t lease, int output_fd) {
        runner::WorkerConfig config;
        config.slot = slot;
        config.lease = lease;
        config.workers = static_cast<uint32_t>(workers);
        config.output_fd = output_fd;
        config.pin_cpu = pin ? cpus[slot] : -1;
        config.temp_dir = worker_dir(slot, lease);
        config.restart_after_batch = opts.restart_worker;
        mkdir(config.temp_dir.c_str(), 0700);
        std::string why;
        if (!runner::PrepareWorkerProcess(*segment, bell, config, &why)) {
          std::fprintf(stderr, "mprun: worker %u: %s\n", slot, why.c_str());
          _exit(3);
        }
        runner::WorkerRuntime runtime(*segment, bell, config);
        runner::RunGtestWorker(selected, runtime, direct);
        runner::ExitWorkerProcess(*segment, slot);
      },
      runner::kOutputFileSpan);

  const core::ConsoleOptions console_options = ConsoleFor(opts);
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
  // --gtest_output: one merged file in gtest's schema (workers write none).
  std::unique_ptr<core::GtestOutputReporter> gtest_output;
  if (!output_path.empty()) {
    gtest_output = std::make_unique<core::GtestOutputReporter>(output_format, output_path);
    reporters.push_back(gtest_output.get());
  }
  runner::SupervisorOptions sopt;
  sopt.timeout_s = opts.process_timeout_s;
  sopt.restart_worker = opts.restart_worker;
  sopt.serial_items = core::SerialItems(plan);
  sopt.stop_on_failure = opts.stop_on_failure || GTEST_FLAG_GET(fail_fast);
  sopt.keep_passing_output = opts.show_all_output;
  sopt.retries = opts.retries;
  sopt.flaky_fails = opts.flaky_fails;
  sopt.on_worker_ended = [&](uint32_t slot, uint32_t lease) {
    runner::RemoveTree(worker_dir(slot, lease));
  };

  runner::NoteParallelRun();
  core::ExitStatus status = core::ExitStatus::kSuccess;
  {
    RunSignals signals;
    TerminalKeys keys(console_options.mode == core::ConsoleOptions::Mode::kStatusLine);
    sopt.input_fd = keys.fd();
    // Shared environments: set up here, before any worker exists, so that
    // every worker inherits what they built; torn down after the last
    // repetition, whatever happened.
    size_t shared_up = 0;
    std::string why;
    const bool shared_ok = tests.empty() || SetUpSharedEnvironments(&shared_up, &why);
    // --gtest_repeat: each repetition is a full parallel pass (negative:
    // until interrupted).
    const int repeat = GTEST_FLAG_GET(repeat);
    for (int it = 0; repeat < 0 || it < std::max(repeat, 1); ++it) {
      if (repeat != 1) std::printf("%smprun: repetition %d\n", it ? "\n" : "", it + 1);
      if (it > 0) {
        segment->claims().Reset();
        for (uint32_t d = 0; d < segment->deques(); ++d) segment->deque(d).Reset();
        segment->header().stop.store(0, std::memory_order_relaxed);  // no worker is alive
      }
      // Contiguous shares keep neighbours with one worker; stealing evens
      // out the rest.
      std::optional<uint32_t> seed = shuffle_seed;
      if (seed) *seed += static_cast<uint32_t>(it);
      const auto shares = seed || opts.no_history ? core::DealUnits(plan, workers, seed)
                                                  : core::DealByHistory(plan, workers, expected);
      for (int w = 0; w < workers; ++w) {
        segment->deque(static_cast<uint32_t>(w)).PushBack(shares[w]);
      }
      core::Ledger ledger(tests.size());
      runner::Supervisor supervisor(*segment, bell, launcher, run, ledger, reporters, sopt,
                                    [&segment] { return segment->NowNs(); });
      if (!shared_ok) {
        supervisor.FailBeforeStart(why);
      } else if (supervisor.Start()) {
        while (!supervisor.Finished()) supervisor.Step(50, signals.fd());
      }
      const bool last = !shared_ok || supervisor.summary().interrupted ||
                        supervisor.summary().setup_error || (repeat >= 0 && it + 1 >= repeat);
      if (last) TearDownSharedEnvironments(shared_up, &supervisor);
      supervisor.Finish();
      status = Worse(status, core::StatusOf(ledger, supervisor.summary()));
      for (uint32_t t = 0; t < ledger.size() && !opts.no_history; ++t) {
        if (!ledger.Finished(t)) continue;
        const core::TestResult& r = ledger.Get(t);
        history.Record(t, static_cast<double>(r.duration_ns) / 1e6, r.outcome, r.flaky);
      }
      if (last) break;
    }
  }
  runner::RemoveTree(temp_root);
  if (!opts.no_history && !tests.empty()) {
    std::string why;
    if (!history.Save(opts.history_path, &why)) {
      std::fprintf(stderr, "mprun: warning: history not saved: %s\n", why.c_str());
    }
  }
  const bool report_failed =
      (json && !json->error().empty()) || (gtest_output && !gtest_output->error().empty()) ||
      (junit && !junit->error().empty()) || (trace && !trace->error().empty());
  if (report_failed && status == core::ExitStatus::kSuccess) {
    status = core::ExitStatus::kUsage;
  }
  return static_cast<int>(status);
}

}  // namespace

int RunAllTests(int argc, char** argv) {
  // A death test's child re-runs this binary to execute one statement:
  // nothing but GoogleTest may happen there. (A main() that called
  // InitGoogleTest first has already taken the flag out of argv.)
  if (HasArg(argc, argv, "--gtest_internal_run_death_test") ||
      !GTEST_FLAG_GET(internal_run_death_test).empty()) {
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
  }
  core::Options opts;
  std::string err;
  if (!core::ParseOptions(
          &argc, argv, [](const char* n) { return std::getenv(n); }, &opts, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  const bool help = WantsHelp(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  if (help) {
    std::fputs(core::OptionsHelp(), stdout);
    return RUN_ALL_TESTS();
  }
  if (opts.list) return ListTests(opts);
  const int processes = opts.processes.value_or(0);
  if (processes == 0 || GTEST_FLAG_GET(list_tests)) {
    // Plain GoogleTest: shared environments are ordinary ones.
    for (testing::Environment* env : SharedEnvironments()) testing::AddGlobalTestEnvironment(env);
    SharedEnvironments().clear();
    return RUN_ALL_TESTS();
  }
  return RunParallel(opts, processes, argc > 0 ? argv[0] : "");
}

testing::Environment* AddSharedEnvironment(testing::Environment* env) {
  SharedEnvironments().push_back(env);
  return env;
}

namespace internal {
bool MarkSuite(const char* suite, SuiteMark mark) {
  SuiteMarks().emplace_back(suite, mark);
  return true;
}
}  // namespace internal

}  // namespace mprun
