// Catch2 v2 cases for catch_discover_tests (one ctest test each) and for a
// whole-binary add_test. Its main() appends a line per launch that runs
// cases to $CATCH_CTEST_LAUNCHES, so the e2e test can count launches.
#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  bool lists = false;
  for (int i = 1; i < argc; ++i) lists = lists || std::strncmp(argv[i], "--list", 6) == 0;
  if (const char* file = std::getenv("CATCH_CTEST_LAUNCHES"); file != nullptr && !lists) {
    if (FILE* f = std::fopen(file, "a")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
  }
  return Catch::Session().run(argc, argv);
}

#define CASE(n) \
  TEST_CASE("catch case " #n) { REQUIRE(n + 1 > n); }
CASE(1)
CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12) CASE(13)
    CASE(14) CASE(15) CASE(16) CASE(17) CASE(18) CASE(19) CASE(20)

        TEST_CASE("catch fails") {
  int x = 1;
  CHECK(x == 2);
}

TEST_CASE("catch, with [brackets] and a comma") { SUCCEED(); }

TEST_CASE("catch throws") { throw 42; }
