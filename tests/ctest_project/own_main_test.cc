// GoogleTest programs with their own main(), of the kinds real projects
// have, each run whole by one add_test (built once per OWN_MAIN_* kind):
//   OWN_MAIN_REFUSES_ARGUMENTS  takes no argument: aborts when given one
//                               (so --gtest_list_tests kills it);
//   OWN_MAIN_PRINTS_FIRST       prints a line of its own before gtest's;
//   OWN_MAIN_OWN_OPTIONS        reads its own options before gtest does and
//                               exits 1 on one it does not know;
//   OWN_MAIN_ENVIRONMENT_SKIPS  a global environment whose SetUp() skips;
// and three whose exit status says more than their tests' outcomes:
//   OWN_MAIN_FAILS_AT_EXIT      a check at exit (a leak checker's) that
//                               fails after every test passed;
//   OWN_MAIN_RUNS_WHOLE_ONLY    fails unless it ran its whole suite (its
//                               filter is gtest's default);
//   OWN_MAIN_IGNORES_RESULT     a test fails, but main() returns 0;
//   OWN_MAIN_CRASHES_AT_EXIT    a static object's destructor crashes once
//                               a test ran.
// Each appends its arguments to $OWN_MAIN_RUNS, one line per start, so the
// e2e test can count listings and runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {
bool ran = false;
}  // namespace

#ifdef OWN_MAIN_CRASHES_AT_EXIT
#include <csignal>
struct CrashesAtExit {
  ~CrashesAtExit() {
    if (ran) std::raise(SIGSEGV);
  }
} crashes_at_exit;
#endif

TEST(OwnMain, One) { ran = true; }
TEST(OwnMain, Two) { EXPECT_EQ(2, 1 + 1); }
#ifdef OWN_MAIN_IGNORES_RESULT
TEST(OwnMain, Fails) { EXPECT_EQ(2, 1) << "a real failure that main() ignores"; }
#endif

#ifdef OWN_MAIN_ENVIRONMENT_SKIPS
class NoDevice : public ::testing::Environment {
 public:
  void SetUp() override { GTEST_SKIP() << "no device on this machine"; }
};
#endif

int main(int argc, char** argv) {
  if (const char* file = std::getenv("OWN_MAIN_RUNS"); file != nullptr) {
    std::string line = argv[0];
    for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
    std::ofstream(file, std::ios::app) << line << "\n";
  }
#ifdef OWN_MAIN_REFUSES_ARGUMENTS
  if (argc > 1) {
    std::fprintf(stderr, "usage: %s (no arguments)\n", argv[0]);
    std::abort();
  }
#endif
#ifdef OWN_MAIN_OWN_OPTIONS
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) != "--verbose") {
      std::fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
      return 1;
    }
  }
#endif
#ifdef OWN_MAIN_PRINTS_FIRST
  std::printf("checking the machine: ok\n");
#endif
  ::testing::InitGoogleTest(&argc, argv);
#ifdef OWN_MAIN_ENVIRONMENT_SKIPS
  ::testing::AddGlobalTestEnvironment(new NoDevice);
#endif
  const int result = RUN_ALL_TESTS();
#ifdef OWN_MAIN_FAILS_AT_EXIT
  if (result == 0 && !::testing::GTEST_FLAG(list_tests)) {  // it checks after tests
    std::fprintf(stderr, "leak check: 1 block of 64 bytes still allocated at exit\n");
    return 1;
  }
#endif
#ifdef OWN_MAIN_RUNS_WHOLE_ONLY
  if (::testing::GTEST_FLAG(filter) != "*") {
    std::fprintf(stderr, "this suite runs whole or not at all\n");
    return 1;
  }
#endif
#ifdef OWN_MAIN_IGNORES_RESULT
  return 0;
#else
  return result;
#endif
}
