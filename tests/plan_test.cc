#include "core/plan.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

namespace mprun::core {
namespace {

// Suites: 0 plain (3 tests), 1 with fixtures (4), 2 fixtures but split (2),
// 3 serial (2).
const std::vector<uint32_t> kSuiteOf = {0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3};
const std::vector<SuiteTraits> kTraits = {
    {}, {true, false, false}, {true, true, false}, {false, false, true}};

std::vector<std::pair<uint32_t, uint32_t>> Ranges(const Plan& p) {
  std::vector<std::pair<uint32_t, uint32_t>> r;
  for (const Unit& u : p.units) r.emplace_back(u.first, u.end);
  return r;
}

TEST(PlanTest, AutoKeepsSuitesWithFixturesWholeAndSplitsTheRest) {
  const Plan p = MakePlan(kSuiteOf, kTraits, Dist::kAuto);
  EXPECT_EQ(Ranges(p), (std::vector<std::pair<uint32_t, uint32_t>>{
                           {0, 1}, {1, 2}, {2, 3}, {3, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 11}}));
  EXPECT_TRUE(p.units[3].kept_together);
  EXPECT_STREQ(p.units[3].why, "SetUpTestSuite/TearDownTestSuite");
  EXPECT_EQ(p.serial_tests, 2u);
  EXPECT_TRUE(p.units[6].serial);
}

TEST(PlanTest, DistTestSplitsEverythingAndDistSuiteKeepsEverySuiteWhole) {
  EXPECT_EQ(MakePlan(kSuiteOf, kTraits, Dist::kTest).units.size(), 11u);
  EXPECT_EQ(Ranges(MakePlan(kSuiteOf, kTraits, Dist::kSuite)),
            (std::vector<std::pair<uint32_t, uint32_t>>{{0, 3}, {3, 7}, {7, 9}, {9, 11}}));
}

TEST(PlanTest, DealingCoversEveryParallelUnitOnceInBalancedShares) {
  std::vector<uint32_t> suite_of(1000);
  std::vector<SuiteTraits> traits(100);
  for (uint32_t t = 0; t < 1000; ++t) suite_of[t] = t / 10;
  for (uint32_t s = 0; s < 100; s += 3) traits[s].has_fixtures = true;
  const Plan p = MakePlan(suite_of, traits, Dist::kAuto);
  for (int workers : {1, 2, 3, 7, 16}) {
    for (std::optional<uint32_t> seed : {std::optional<uint32_t>{}, std::optional<uint32_t>{42}}) {
      const auto shares = DealUnits(p, workers, seed);
      ASSERT_EQ(shares.size(), static_cast<size_t>(workers));
      std::set<uint32_t> items;
      size_t biggest = 0;
      for (const auto& share : shares) {
        size_t tests = 0;
        for (uint32_t first : share) {
          EXPECT_TRUE(items.insert(first).second) << "dealt twice";
          for (const Unit& u : p.units) {
            if (u.first == first) tests += u.end - u.first;
          }
        }
        biggest = std::max(biggest, tests);
      }
      EXPECT_EQ(items.size(), p.units.size());
      EXPECT_LE(biggest, 1000 / static_cast<size_t>(workers) + 10) << workers << " workers";
    }
  }
}

TEST(PlanTest, SerialUnitsAreNotDealtButQueuedAfterwards) {
  const Plan p = MakePlan(kSuiteOf, kTraits, Dist::kAuto);
  for (const auto& share : DealUnits(p, 2, std::nullopt)) {
    for (uint32_t item : share) EXPECT_LT(item, 9u);
  }
  EXPECT_EQ(SerialItems(p), (std::vector<uint32_t>{9, 10}));
}

TEST(PlanTest, DistNamesParse) {
  Dist d;
  EXPECT_TRUE(ParseDist("suite", &d));
  EXPECT_EQ(d, Dist::kSuite);
  EXPECT_FALSE(ParseDist("suites", &d));
}

}  // namespace
}  // namespace mprun::core
