// mprun for GoogleTest binaries: run a test binary's tests in parallel worker
// processes forked from the binary itself.
//
// Link your test binary with `mprun::gtest_main` instead of GTest::gtest_main,
// or, if it has its own main(), call mprun::RunAllTests where it would call
// RUN_ALL_TESTS(). Run plainly, the binary behaves exactly like plain
// GoogleTest; with --processes=N (or MPRUN_PROCESSES=N) it runs its tests in N
// workers (negative: all usable cores). `--help` lists mprun's flags.
//
// Fixture rules (nose's multiprocess plugin, in GoogleTest terms):
//  - a suite whose fixture defines SetUpTestSuite/TearDownTestSuite goes to
//    one worker as a unit, so its suite set-up runs once; MPRUN_SPLIT_SUITE
//    says its suite fixtures may run in several workers at once;
//  - MPRUN_SERIAL_SUITE: the suite's tests run after all others, with
//    nothing else running;
//  - MPRUN_EXCLUSIVE_SUITE: as serial, and for timing: its tests run one at
//    a time on a worker pinned to a core of its own, with no other test
//    running on the machine (performance-regression tests; --exclusive
//    marks tests by pattern, also in driver mode);
//  - AddSharedEnvironment: set up once in the supervisor before any worker
//    starts (workers inherit what it built), torn down once at the end.
// Ordinary gtest environments run once in each worker.
#ifndef MPRUN_MPRUN_H_
#define MPRUN_MPRUN_H_

namespace testing {
class Environment;
}

namespace mprun {

// Parses mprun's flags out of argv, initialises GoogleTest with the rest
// (calling testing::InitGoogleTest before is harmless), runs the selected
// tests, and returns the process exit status: 0 all passed or skipped,
// 1 some failed, crashed or timed out, 2 bad usage or setup, 130 interrupted.
int RunAllTests(int argc, char** argv);

// nose's _multiprocess_shared_. Takes ownership; call before RunAllTests
// (static initialisation is fine). In a plain (non-parallel) run it is an
// ordinary global test environment. If its SetUp fails, no test runs.
testing::Environment* AddSharedEnvironment(testing::Environment* env);

namespace internal {
enum class SuiteMark { kSplit, kSerial, kExclusive };
bool MarkSuite(const char* suite, SuiteMark mark);
}  // namespace internal

}  // namespace mprun

// At namespace scope, with the suite's name as in TEST_F/TEST_P (for typed
// and value-parameterised suites, without the prefix or type suffix).
#define MPRUN_SPLIT_SUITE(Suite)                                    \
  [[maybe_unused]] static const bool mprun_split_suite_##Suite##_ = \
      ::mprun::internal::MarkSuite(#Suite, ::mprun::internal::SuiteMark::kSplit)
#define MPRUN_SERIAL_SUITE(Suite)                                    \
  [[maybe_unused]] static const bool mprun_serial_suite_##Suite##_ = \
      ::mprun::internal::MarkSuite(#Suite, ::mprun::internal::SuiteMark::kSerial)
#define MPRUN_EXCLUSIVE_SUITE(Suite)                                    \
  [[maybe_unused]] static const bool mprun_exclusive_suite_##Suite##_ = \
      ::mprun::internal::MarkSuite(#Suite, ::mprun::internal::SuiteMark::kExclusive)

#endif  // MPRUN_MPRUN_H_
