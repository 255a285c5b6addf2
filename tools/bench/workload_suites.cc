// The benchmark's generated suites, one binary per MPRUN_BENCH_SUITE value
// (cpu, sleep, cluster, fixture, crashy, whole_long, whole_short), each built
// as a plain gtest binary and, but for the whole_ ones, linked with
// mprun::gtest_main. Tests are registered in a loop.
#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "tools/bench/workload.h"

namespace {

void Spin(double ms) {
  struct timespec start, now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  for (;;) {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    if ((now.tv_sec - start.tv_sec) * 1e3 + (now.tv_nsec - start.tv_nsec) / 1e6 >= ms) return;
  }
}

void Sleep(double ms) {
  struct timespec ts = {
      static_cast<time_t>(ms / 1000),
      static_cast<long>((ms - static_cast<double>(static_cast<long>(ms / 1000)) * 1000) * 1e6)};
  nanosleep(&ts, nullptr);
}

template <typename Body>
class Fn : public ::testing::Test {
 public:
  explicit Fn(Body body) : body_(body) {}
  void TestBody() override { body_(); }

 private:
  Body body_;
};

template <typename Body>
void Register(const std::string& suite, const std::string& name, Body body) {
  ::testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                          [body]() -> ::testing::Test* { return new Fn<Body>(body); });
}

#if MPRUN_BENCH_SUITE_FIXTURE
// Suites with an expensive suite fixture: mprun keeps each whole; peers
// that run one process per test pay the set-up per test.
template <int kSuite>
class Expensive : public ::testing::Test {
 public:
  static void SetUpTestSuite() { Sleep(bench::FixtureSetUpMs()); }
  void TestBody() override {}
};
template <int... kSuites>
void RegisterFixtureSuites(std::integer_sequence<int, kSuites...>) {
  (
      [] {
        for (uint32_t t = 0; t < bench::kFixtureTestsPerSuite; ++t) {
          ::testing::RegisterTest(("Fixture" + std::to_string(kSuites)).c_str(),
                                  ("Test" + std::to_string(t)).c_str(), nullptr, nullptr, __FILE__,
                                  __LINE__,
                                  []() -> Expensive<kSuites>* { return new Expensive<kSuites>; });
        }
      }(),
      ...);
}
#endif

const bool kRegistered = [] {
#if MPRUN_BENCH_SUITE_CPU
  for (uint32_t i = 0; i < bench::kCpuTests; ++i) {
    Register("Cpu" + std::to_string(i / 20), "Test" + std::to_string(i),
             [i] { Spin(bench::CpuMs(i)); });
  }
#elif MPRUN_BENCH_SUITE_SLEEP
  for (uint32_t i = 0; i < bench::kSleepTests; ++i) {
    Register("Sleep" + std::to_string(i / 20), "Test" + std::to_string(i),
             [i] { Sleep(bench::SleepMs(i)); });
  }
#elif MPRUN_BENCH_SUITE_CLUSTER
  for (uint32_t i = 0; i < bench::kClusterTests; ++i) {
    Register("Cluster" + std::to_string(i / 20), "Test" + std::to_string(i),
             [i] { Sleep(bench::ClusterMs(i)); });
  }
#elif MPRUN_BENCH_SUITE_WHOLE_LONG
  for (uint32_t i = 0; i < bench::kWholeLongTests; ++i) {
    Register("Long", "Test" + std::to_string(i), [] { Sleep(bench::WholeLongMs()); });
  }
#elif MPRUN_BENCH_SUITE_WHOLE_SHORT
  for (uint32_t i = 0; i < bench::kWholeShortTests; ++i) {
    Register("Short", "Test" + std::to_string(i), [] { Sleep(bench::WholeShortMs()); });
  }
#elif MPRUN_BENCH_SUITE_FIXTURE
  RegisterFixtureSuites(std::make_integer_sequence<int, bench::kFixtureSuites>());
#elif MPRUN_BENCH_SUITE_CRASHY
  for (uint32_t i = 0; i < bench::kCrashyTests; ++i) {
    Register("Crashy" + std::to_string(i / 50), "Test" + std::to_string(i), [i] {
      if (bench::CrashyCrashes(i)) raise(SIGSEGV);
      if (bench::CrashyHangs(i)) Sleep(100000);
      Spin(1);
    });
  }
#endif
  return true;
}();

}  // namespace
