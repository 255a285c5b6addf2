#include <gtest/gtest.h>

#include <random>

#include "core/rules/perf.h"

namespace mprun::core {
namespace {

TEST(PerfTest, TooLittleHistoryGivesNoVerdict) {
  const std::vector<uint32_t> two = {1000, 1000};
  EXPECT_EQ(JudgeDuration(two, 50.0, {}).move, PerfMove::kTooLittleHistory);
}

TEST(PerfTest, ASteadyHistoryFlagsAChangeBeyondTheRelativeThreshold) {
  const std::vector<uint32_t> h = {20000, 20000, 20000, 20000, 20000};  // MAD 0
  EXPECT_EQ(JudgeDuration(h, 21.9, {}).move, PerfMove::kSteady);
  const PerfVerdict slower = JudgeDuration(h, 22.1, {});
  EXPECT_EQ(slower.move, PerfMove::kSlower);
  EXPECT_NEAR(slower.change_pct, 10.5, 1e-9);
  EXPECT_EQ(slower.median_ms, 20.0);
  EXPECT_EQ(slower.sigma_ms, 0.0);
  EXPECT_EQ(JudgeDuration(h, 17.9, {}).move, PerfMove::kFaster);
}

TEST(PerfTest, NoiseIsMedianAndMadSoOneOutlierDoesNotWidenIt) {
  // Mostly 10 ms +- 1, one run at 100 ms: the median and MAD ignore it.
  const std::vector<uint32_t> h = {9000, 10000, 11000, 10000, 100000, 9500, 10500, 10000};
  const PerfVerdict v = JudgeDuration(h, 14.0, {});
  EXPECT_EQ(v.median_ms, 10.0);
  EXPECT_NEAR(v.sigma_ms, 1.4826 * 0.5, 1e-9);
  EXPECT_EQ(v.move, PerfMove::kSlower);  // beyond max(3 sigma = 2.2 ms, 1 ms)
  EXPECT_EQ(v.history, 8u);
  // A noisy history needs a bigger move.
  std::mt19937 rng(7);
  std::normal_distribution<double> noisy(20000, 5000);
  std::vector<uint32_t> wide;
  for (int i = 0; i < 8; ++i) wide.push_back(static_cast<uint32_t>(noisy(rng)));
  const PerfVerdict w = JudgeDuration(wide, 20.0, {});
  EXPECT_GT(w.sigma_ms, 2.0);
  // The bound is 3 sigma here (more than 10% of the median).
  ASSERT_GT(3 * w.sigma_ms, 0.1 * w.median_ms);
  EXPECT_EQ(JudgeDuration(wide, w.median_ms + 2.9 * w.sigma_ms, {}).move, PerfMove::kSteady);
  EXPECT_EQ(JudgeDuration(wide, w.median_ms + 3.1 * w.sigma_ms, {}).move, PerfMove::kSlower);
  EXPECT_EQ(JudgeDuration(wide, w.median_ms - 3.1 * w.sigma_ms, {}).move, PerfMove::kFaster);
}

TEST(PerfTest, MicrosecondJitterIsNotAChange) {
  const std::vector<uint32_t> h = {10, 10, 10, 10};               // 10 us
  EXPECT_EQ(JudgeDuration(h, 0.05, {}).move, PerfMove::kSteady);  // 5x, but 40 us
  EXPECT_EQ(JudgeDuration(h, 0.2, {}).move, PerfMove::kSlower);
}

TEST(PerfTest, SpreadOfSamples) {
  const std::vector<uint64_t> odd = {5, 1, 9};
  const Spread s = SpreadOf(odd);
  EXPECT_EQ(s.median_ns, 5u);
  EXPECT_EQ(s.min_ns, 1u);
  EXPECT_EQ(s.max_ns, 9u);
  const std::vector<uint64_t> even = {4, 1, 10, 6};
  EXPECT_EQ(SpreadOf(even).median_ns, 5u);
  EXPECT_EQ(SpreadOf({}).median_ns, 0u);
}

}  // namespace
}  // namespace mprun::core
