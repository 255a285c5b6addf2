// mprun::RunAllTests: the linked-mode entry point. Runs in the test binary's
// own process, which becomes the supervisor of a parallel run (or stays plain
// GoogleTest without --processes).
#include <mprun/mprun.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/gtest_output.h"
#include "core/options.h"
#include "core/plan.h"
#include "runner/engine.h"
#include "runner/gtest_executor.h"
#include "runner/supervisor.h"
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
    if (mark == internal::SuiteMark::kExclusive) traits.exclusive = true;
  }
  return traits;
}

core::Plan PlanFor(const std::vector<runner::GtestTest>& tests, const core::Options& opts) {
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
  const std::vector<bool> exclusive =
      core::MarkMatching(opts.exclusive, tests.size(), [&tests](size_t t) {
        return std::string(tests[t].info->test_suite_name()) + "." + tests[t].info->name();
      });
  return core::MakePlan(suite_of, traits, opts.dist, exclusive);
}

// The tests of this run: gtest's selection, narrowed to this run's shard
// (and in `basis`, what that split was computed from).
runner::GtestTests SelectForRun(const core::Options& opts, const char* binary,
                                std::shared_ptr<const core::ShardBasis>* basis = nullptr) {
  runner::GtestTests selected = runner::SelectGtestTests();
  if (opts.shard.total == 0) return selected;
  core::RunInfo run;
  run.binaries.push_back(binary);
  for (const runner::GtestTest& t : selected.tests) {
    run.tests.push_back({0, t.info->test_suite_name(), t.info->name()});
  }
  const std::vector<uint32_t> keep =
      runner::SelectShard(opts, run, PlanFor(selected.tests, opts), basis);
  runner::GtestTests out;
  for (uint32_t t : keep) out.tests.push_back(selected.tests[t]);
  for (uint32_t i = 0; i < out.tests.size(); ++i) out.index.emplace(out.tests[i].info, i);
  return out;
}

// --list: the selected tests; with -v, grouped as they will be dispatched.
int ListTests(const core::Options& opts, const char* binary) {
  const runner::GtestTests selected = SelectForRun(opts, binary);
  const core::Plan plan = PlanFor(selected.tests, opts);
  auto name = [&](uint32_t t) {
    return std::string(selected.tests[t].info->test_suite_name()) + "." +
           selected.tests[t].info->name();
  };
  for (const core::Unit& u : plan.units) {
    const char* serial = u.exclusive ? " [exclusive]" : u.serial ? " [serial]" : "";
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

int RunParallel(const core::Options& opts, int processes, const char* binary) {
  runner::EngineSpec spec;
  const runner::GtestTests selected = SelectForRun(opts, binary, &spec.run.shard_basis);
  const std::vector<runner::GtestTest>& tests = selected.tests;
  std::string err;
  if (!GTEST_FLAG_GET(output).empty() &&
      !core::ParseGtestOutput(GTEST_FLAG_GET(output), binary, &spec.gtest_output_format,
                              &spec.gtest_output_path, &err)) {
    std::fprintf(stderr, "mprun: error: %s\n", err.c_str());
    return static_cast<int>(core::ExitStatus::kUsage);
  }
  spec.run.binaries.push_back(binary);
  spec.run.tests.reserve(tests.size());
  for (const runner::GtestTest& t : tests) {
    spec.run.tests.push_back({0, t.info->test_suite_name(), t.info->name()});
  }
  spec.plan = PlanFor(tests, opts);
  if (GTEST_FLAG_GET(shuffle)) {
    // One seed for the whole run, printed so that it can be given back.
    int32_t seed = GTEST_FLAG_GET(random_seed);
    if (seed == 0) seed = static_cast<int32_t>(shm::MonotonicNs() % 99999) + 1;
    spec.shuffle_seed = static_cast<uint32_t>(seed);
  }
  spec.repeat = GTEST_FLAG_GET(repeat);
  spec.fail_fast = GTEST_FLAG_GET(fail_fast);
  spec.brief = GTEST_FLAG_GET(brief);
  const bool direct = runner::UseDirectExecutor();
  spec.work = [&selected, direct](runner::WorkerRuntime& runtime) {
    runner::RunGtestWorker(selected, runtime, direct);
  };
  // Shared environments: set up here, before any worker exists, so that
  // every worker inherits what they built; torn down after the last
  // repetition, whatever happened.
  size_t shared_up = 0;
  spec.before_run = [&shared_up](std::string* why) {
    return SetUpSharedEnvironments(&shared_up, why);
  };
  spec.after_run = [&shared_up](runner::Supervisor* supervisor) {
    TearDownSharedEnvironments(shared_up, supervisor);
  };
  return runner::RunEngine(opts, processes, spec);
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
  if (opts.list) return ListTests(opts, binary);
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
