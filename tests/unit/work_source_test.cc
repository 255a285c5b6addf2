#include "runner/run/work_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace mprun::runner {
namespace {

// Twelve one-test suites, without fixtures: twelve units.
core::Plan TwelveUnits() {
  std::vector<uint32_t> suite_of(12);
  for (uint32_t t = 0; t < 12; ++t) suite_of[t] = t;
  return core::MakePlan(suite_of, std::vector<core::SuiteTraits>(12), core::Dist::kAuto);
}

std::vector<uint32_t> All(const std::vector<std::vector<uint32_t>>& shares) {
  std::vector<uint32_t> all;
  for (const auto& s : shares) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  return all;
}

// The local source deals the whole plan every repetition, by the history's
// durations when it has them, at random (a new deal per repetition, the same
// for the same seed) when shuffling.
TEST(LocalDealTest, DealsEveryUnitOnceEachRepetitionByHistoryOrBySeed) {
  const core::Plan plan = TwelveUnits();
  std::vector<uint32_t> every(12);
  for (uint32_t t = 0; t < 12; ++t) every[t] = t;

  LocalDeal table({&plan, 3, nullptr, std::nullopt, core::DealOrder::kTable});
  EXPECT_EQ(table.Take(0), core::DealUnits(plan, 3, std::nullopt, core::DealOrder::kTable));
  EXPECT_EQ(All(table.Take(1)), every);

  std::vector<core::Expectation> expected(12);
  for (uint32_t t = 0; t < 12; ++t) expected[t].cost_ms = 10.0 + t;
  expected[11].cost_ms = 500;  // the long pole starts first, alone
  LocalDeal by_history({&plan, 3, &expected, std::nullopt, core::DealOrder::kTable});
  const auto dealt = by_history.Take(0);
  EXPECT_EQ(dealt, core::DealByHistory(plan, 3, expected, core::DealOrder::kTable));
  EXPECT_EQ(All(dealt), every);

  LocalDeal shuffled({&plan, 3, &expected, 7u, core::DealOrder::kTable});
  LocalDeal again({&plan, 3, &expected, 7u, core::DealOrder::kTable});
  const auto first = shuffled.Take(0);
  EXPECT_EQ(first, again.Take(0));
  EXPECT_EQ(first, core::DealUnits(plan, 3, 7u, core::DealOrder::kTable));
  EXPECT_EQ(shuffled.Take(1), core::DealUnits(plan, 3, 8u, core::DealOrder::kTable));
  EXPECT_EQ(All(shuffled.Take(1)), every);
}

}  // namespace
}  // namespace mprun::runner
