// mprun::RunAllTests: the linked-mode entry point. Runs in the test binary's
// own process, which becomes the supervisor of a parallel run (or stays plain
// GoogleTest without --processes).
#include <mprun/mprun.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/console_reporter.h"
#include "core/json_reporter.h"
#include "core/options.h"
#include "runner/cpus.h"
#include "runner/fast_exit.h"
#include "runner/gtest_executor.h"
#include "runner/launcher.h"
#include "runner/supervisor.h"
#include "runner/temp_dir.h"
#include "runner/worker.h"

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

void NoteIgnoredFlags() {
  const char* ignored = nullptr;
  if (GTEST_FLAG_GET(repeat) != 1) ignored = "--gtest_repeat";
  if (GTEST_FLAG_GET(shuffle)) ignored = "--gtest_shuffle";
  if (GTEST_FLAG_GET(fail_fast)) ignored = "--gtest_fail_fast";
  if (!GTEST_FLAG_GET(output).empty()) ignored = "--gtest_output";
  if (ignored != nullptr) {
    std::fprintf(stderr, "mprun: note: %s is not applied across a parallel run yet; ignored\n",
                 ignored);
  }
}

// Blocks the signals that end a run, so that they arrive through a signalfd
// in the supervisor's poll; restores everything on destruction.
class RunSignals {
 public:
  RunSignals() {
    sigemptyset(&set_);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set_, s);
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
  NoteIgnoredFlags();
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
  core::Ledger ledger(tests.size());

  shm::LayoutParams params;
  params.workers = static_cast<uint32_t>(workers);
  params.tests = static_cast<uint32_t>(tests.size());
  params.names_bytes = names_bytes;
  std::string err;
  std::unique_ptr<shm::Segment> segment = shm::Segment::Create(params, &err);
  if (!segment) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  for (const core::TestName& t : run.tests) segment->AppendTest(0, t.suite, t.name);
  // Contiguous shares keep a suite's tests with one worker where possible;
  // stealing evens out the rest.
  const size_t share = (tests.size() + workers - 1) / workers;
  for (int w = 0; w < workers; ++w) {
    std::vector<uint32_t> mine;
    for (size_t t = w * share; t < std::min(tests.size(), (w + 1) * share); ++t) {
      mine.push_back(static_cast<uint32_t>(t));
    }
    segment->deque(static_cast<uint32_t>(w)).PushBack(mine);
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

  core::ConsoleReporter console(stdout, opts.verbosity);
  std::vector<core::Reporter*> reporters = {&console};
  std::unique_ptr<core::JsonReporter> json;
  if (!opts.json_path.empty()) {
    json = std::make_unique<core::JsonReporter>(opts.json_path);
    reporters.push_back(json.get());
  }
  runner::SupervisorOptions sopt;
  sopt.timeout_s = opts.process_timeout_s;
  sopt.restart_worker = opts.restart_worker;
  sopt.on_worker_ended = [&](uint32_t slot, uint32_t lease) {
    runner::RemoveTree(worker_dir(slot, lease));
  };

  core::RunSummary summary;
  runner::NoteParallelRun();
  {
    RunSignals signals;
    runner::Supervisor supervisor(*segment, bell, launcher, run, ledger, reporters, sopt,
                                  [&segment] { return segment->NowNs(); });
    summary = supervisor.Run(signals.fd());
  }
  runner::RemoveTree(temp_root);
  core::ExitStatus status = core::StatusOf(ledger, summary);
  if (json && !json->error().empty() && status == core::ExitStatus::kSuccess) {
    status = core::ExitStatus::kUsage;
  }
  return static_cast<int>(status);
}

}  // namespace

int RunAllTests(int argc, char** argv) {
  // A death test's child re-runs this binary to execute one statement:
  // nothing but GoogleTest may happen there.
  if (HasArg(argc, argv, "--gtest_internal_run_death_test")) {
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
  const int processes = opts.processes.value_or(0);
  if (processes == 0 || GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  return RunParallel(opts, processes, argc > 0 ? argv[0] : "");
}

}  // namespace mprun
