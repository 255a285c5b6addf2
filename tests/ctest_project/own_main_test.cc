// GoogleTest programs with their own main(), of the kinds real projects
// have, each run whole by one add_test (built once per OWN_MAIN_* kind):
//   OWN_MAIN_REFUSES_ARGUMENTS  takes no argument: aborts when given one
//                               (so --gtest_list_tests kills it);
//   OWN_MAIN_PRINTS_FIRST       prints a line of its own before gtest's;
//   OWN_MAIN_OWN_OPTIONS        reads its own options before gtest does and
//                               exits 1 on one it does not know;
//   OWN_MAIN_ENVIRONMENT_SKIPS  a global environment whose SetUp() skips.
// Each appends its arguments to $OWN_MAIN_RUNS, one line per start, so the
// e2e test can count listings and runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

TEST(OwnMain, One) {}
TEST(OwnMain, Two) { EXPECT_EQ(2, 1 + 1); }

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
  return RUN_ALL_TESTS();
}
