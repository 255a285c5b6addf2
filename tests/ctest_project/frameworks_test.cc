// Cases for catch_discover_tests and doctest_discover_tests (one ctest test
// each), and for a whole-binary add_test: built once with Catch2 v2
// (CTEST_CATCH2) and once with doctest (CTEST_DOCTEST). Its main() appends
// a line per launch that runs cases ("catch2" or "doctest") to
// $FRAMEWORK_LAUNCHES, so the e2e test can count launches.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(CTEST_CATCH2)
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
static const char kFramework[] = "catch2";
static int RunTests(int argc, char** argv) { return Catch::Session().run(argc, argv); }
#else
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
static const char kFramework[] = "doctest";
static int RunTests(int argc, char** argv) { return doctest::Context(argc, argv).run(); }
#endif

int main(int argc, char** argv) {
  bool lists = false;
  for (int i = 1; i < argc; ++i) lists = lists || std::strncmp(argv[i], "--list", 6) == 0;
  if (const char* file = std::getenv("FRAMEWORK_LAUNCHES"); file != nullptr && !lists) {
    if (FILE* f = std::fopen(file, "a")) {
      std::fprintf(f, "%s\n", kFramework);
      std::fclose(f);
    }
  }
  return RunTests(argc, argv);
}

TEST_CASE("fails") {
  int x = 1;
  CHECK(x == 2);
}

TEST_CASE("with, a comma [and brackets]") { CHECK(true); }

TEST_CASE("throws") { throw 42; }

#if defined(CTEST_DOCTEST)
// One name in two test suites: doctest_discover_tests registers two ctest
// tests named alike, each running both cases (so both fail, as in ctest).
TEST_SUITE("first") {
  TEST_CASE("twin") { CHECK(true); }
}
TEST_SUITE("second") {
  TEST_CASE("twin") { CHECK(1 == 2); }
}
#endif

// A macro list: clang-format reflows it differently on each pass.
// clang-format off
#define CASE(n) \
  TEST_CASE("case " #n) { REQUIRE(n + 1 > n); }
CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10)
CASE(11) CASE(12) CASE(13) CASE(14) CASE(15) CASE(16) CASE(17) CASE(18) CASE(19) CASE(20)
    // clang-format on
