// mprun::RunAllTests: the linked-mode entry point. Runs in the test binary's
// own process, which becomes the supervisor of a parallel run (or stays plain
// GoogleTest without --processes).
#include <mprun/mprun.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/input/options.h"
#include "core/results.h"
#include "core/rules/plan.h"
#include "runner/run/run_setup.h"
#include "runner/run/supervisor.h"
#include "runner/worker/gtest_executor.h"

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
    if (mark == internal::SuiteMark::kExclusive) traits.exclusive = true;
  }
  return traits;
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

// Linked mode's way in: the tests are gtest's own, run inside the workers.
class LinkedWay : public runner::WayIn {
 public:
  explicit LinkedWay(const runner::GtestFlags& flags) {
    const runner::TestSelector selector(flags);
    selected_ =
        runner::SelectGtestTests([&selector](std::string_view suite, std::string_view name) {
          return selector.Selects(suite, name);
        });
  }
  // The run's table: the selected tests.
  core::RunInfo Run(const char* binary) const {
    core::RunInfo run;
    run.binaries.push_back(binary);
    run.tests.reserve(selected_.tests.size());
    for (const runner::GtestTest& t : selected_.tests) {
      run.tests.push_back({0, t.info->test_suite_name(), t.info->name()});
    }
    return run;
  }
  core::SuiteTraits SuiteTraitsAt(uint32_t first) const override {
    return TraitsOf(selected_.tests[first].suite);
  }
  void KeepTests(const std::vector<uint32_t>& kept) override {
    runner::GtestTests out;
    for (uint32_t t : kept) out.tests.push_back(selected_.tests[t]);
    for (uint32_t i = 0; i < out.tests.size(); ++i) out.index.emplace(out.tests[i].info, i);
    selected_ = std::move(out);
  }
  void Prepare(const core::RunInfo&, runner::EngineSpec* spec) override {
    const bool direct = runner::UseDirectExecutor();
    spec->work = [this, direct](runner::WorkerRuntime& runtime) {
      runner::RunGtestWorker(selected_, runtime, direct);
    };
    // Shared environments: set up here, before any worker exists, so that
    // every worker inherits what they built; torn down after the last
    // repetition, whatever happened.
    spec->before_run = [this](std::string* why) {
      return SetUpSharedEnvironments(&shared_up_, why);
    };
    spec->after_run = [this](runner::Supervisor* supervisor) {
      TearDownSharedEnvironments(shared_up_, supervisor);
    };
  }

 private:
  runner::GtestTests selected_;
  size_t shared_up_ = 0;
};

// gtest's flags over the whole run, as InitGoogleTest left them.
runner::GtestFlags LinkedFlags() {
  runner::GtestFlags flags;
  flags.filter = GTEST_FLAG_GET(filter);
  flags.also_run_disabled = GTEST_FLAG_GET(also_run_disabled_tests);
  flags.repeat = GTEST_FLAG_GET(repeat);
  flags.shuffle = GTEST_FLAG_GET(shuffle);
  flags.random_seed = GTEST_FLAG_GET(random_seed);
  flags.fail_fast = GTEST_FLAG_GET(fail_fast);
  flags.brief = GTEST_FLAG_GET(brief);
  flags.output = GTEST_FLAG_GET(output);
  return flags;
}

// A parallel run, or with --list the selected tests.
int RunParallel(const core::Options& opts, int processes, const char* binary) {
  const runner::GtestFlags flags = LinkedFlags();
  LinkedWay way(flags);
  return runner::RunTests(opts, processes, flags, binary, way.Run(binary), way);
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
    std::fprintf(stderr, "%s%s\n", core::ErrorPrefix(core::Command::kRun).c_str(), err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  const bool help = WantsHelp(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  if (help) {
    std::fputs(core::OptionsHelp(), stdout);
    return RUN_ALL_TESTS();
  }
  const char* binary = argc > 0 ? argv[0] : "";
  if (opts.list) return RunParallel(opts, 0, binary);
  const int processes = opts.processes.value_or(0);
  if (processes == 0 && opts.shard_flag_given) {
    std::fprintf(stderr,
                 "mprun: error: --shard needs --processes (without it the binary is plain "
                 "GoogleTest, which shards by GTEST_TOTAL_SHARDS/GTEST_SHARD_INDEX)\n");
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  if (processes == 0 || GTEST_FLAG_GET(list_tests)) {
    // Plain GoogleTest: shared environments are ordinary ones.
    for (testing::Environment* env : SharedEnvironments()) testing::AddGlobalTestEnvironment(env);
    SharedEnvironments().clear();
    return RUN_ALL_TESTS();
  }
  return RunParallel(opts, processes, binary);
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
