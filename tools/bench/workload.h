// The benchmark's workloads: deterministic test durations shared by the
// generated suites (which spend them) and the comparison runner (which
// computes the lower bound max(total/W, longest) from them). Header-only.
#ifndef MPRUN_TOOLS_BENCH_WORKLOAD_H_
#define MPRUN_TOOLS_BENCH_WORKLOAD_H_

#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace bench {

// MPRUN_BENCH_SCALE multiplies every duration (the --quick set shrinks it).
inline double Scale() {
  const char* s = std::getenv("MPRUN_BENCH_SCALE");
  const double v = s ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

inline uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Lognormal with the given median (ms) and sigma, seeded by (seed, index).
inline double LognormalMs(uint64_t seed, uint32_t i, double median_ms, double sigma) {
  const double u1 =
      (static_cast<double>(SplitMix(seed * 1000003 + i) >> 11) + 1) / 9007199254740993.0;
  const double u2 = static_cast<double>(SplitMix(seed * 7919 + i + 1) >> 11) / 9007199254740992.0;
  const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  return median_ms * std::exp(sigma * z);
}

// CPU-bound heavy-tailed suite: 300 tests, median 4 ms, a few 50x longer.
inline constexpr uint32_t kCpuTests = 300;
inline double CpuMs(uint32_t i) {
  double ms = LognormalMs(42, i, 4.0, 0.8);
  if (i % 97 == 13) ms = 4.0 * 50;
  return ms * Scale();
}

// Sleep-bound (IO-like) suite: 400 tests, median 5 ms.
inline constexpr uint32_t kSleepTests = 400;
inline double SleepMs(uint32_t i) { return LognormalMs(7, i, 5.0, 0.7) * Scale(); }

// Suites with an expensive SetUpTestSuite: 20 suites x 10 tests, 50 ms each.
inline constexpr uint32_t kFixtureSuites = 20;
inline constexpr uint32_t kFixtureTestsPerSuite = 10;
inline double FixtureSetUpMs() { return 50.0 * Scale(); }

// A first run without history: 300 sleeping tests of 3 ms in suites of 20,
// two of them long (1.5 s and 1 s) side by side in one suite, the way heavy
// cases sit together in real suites.
inline constexpr uint32_t kClusterTests = 300;
inline double ClusterMs(uint32_t i) {
  if (i == 150) return 1500 * Scale();
  if (i == 151) return 1000 * Scale();
  return 3 * Scale();
}

// Whole binaries, each one ctest test (`add_test(NAME x COMMAND x)`): one
// long binary of 10 sleeping tests of 200 ms beside kWholeShortCopies copies
// of a short one of 20 tests of 5 ms; ctest cannot split the long one.
inline constexpr uint32_t kWholeLongTests = 10;
inline double WholeLongMs() { return 200 * Scale(); }
inline constexpr uint32_t kWholeShortTests = 20;
inline double WholeShortMs() { return 5 * Scale(); }
inline constexpr uint32_t kWholeShortCopies = 3;

// Many small binaries: kTinyBinaries copies of a binary of 20 trivial tests.
inline constexpr uint32_t kTinyBinaries = 20;

// Crashy suite: 500 tests of 1 ms; every 33rd segfaults, every 97th hangs.
inline constexpr uint32_t kCrashyTests = 500;
inline bool CrashyCrashes(uint32_t i) { return i % 33 == 5; }
inline bool CrashyHangs(uint32_t i) { return i % 97 == 11; }

}  // namespace bench

#endif  // MPRUN_TOOLS_BENCH_WORKLOAD_H_
