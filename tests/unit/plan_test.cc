#include "core/rules/plan.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
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
      for (DealOrder order : {DealOrder::kTable, DealOrder::kSpread}) {
        const auto shares = DealUnits(p, workers, seed, order);
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
}

// Every index once; neighbours (1 to 3 apart in the table) land far apart.
TEST(PlanTest, TheSpreadOrderIsAPermutationThatPullsNeighboursApart) {
  for (uint32_t n : {0u, 1u, 2u, 3u, 10u, 100u, 402u, 1000u, 10007u}) {
    const std::vector<uint32_t> order = SpreadOrder(n);
    ASSERT_EQ(order.size(), n);
    std::vector<uint32_t> position(n, UINT32_MAX);
    for (uint32_t at = 0; at < n; ++at) {
      ASSERT_LT(order[at], n);
      ASSERT_EQ(position[order[at]], UINT32_MAX) << "index " << order[at] << " twice, n " << n;
      position[order[at]] = at;
    }
    if (n < 100) continue;
    for (uint32_t i = 0; i + 3 < n; ++i) {
      for (uint32_t k = 1; k <= 3; ++k) {
        const uint32_t a = position[i], b = position[i + k];
        const uint32_t apart = std::min(a > b ? a - b : b - a, n - (a > b ? a - b : b - a));
        EXPECT_GE(apart, n / 10) << i << " and " << i + k << " of " << n;
      }
    }
  }
}

// Spread dealing reorders units within their suite only: a suite stays one
// run of the deal (its SetUpTestSuite runs in few launches), and two tests
// next to each other in it land in different shares or far apart in one
// (in different launches: a first launch holds a quarter of a share).
TEST(PlanTest, SpreadDealingPullsNeighboursApartWithinTheirSuite) {
  std::vector<uint32_t> suite_of(402);
  for (uint32_t t = 0; t < 402; ++t) suite_of[t] = t < 202 ? 0 : 1;
  const Plan p = MakePlan(suite_of, std::vector<SuiteTraits>(2), Dist::kAuto);
  const auto shares = DealUnits(p, 2, std::nullopt, DealOrder::kSpread);
  std::vector<uint32_t> deal;
  for (const auto& share : shares) deal.insert(deal.end(), share.begin(), share.end());
  ASSERT_EQ(deal.size(), 402u);
  for (size_t i = 0; i < 202; ++i) EXPECT_LT(deal[i], 202u) << "suite 0 first, whole";
  for (uint32_t t = 0; t + 1 < 202; ++t) {
    for (const std::vector<uint32_t>& share : shares) {
      const auto a = std::find(share.begin(), share.end(), t);
      const auto b = std::find(share.begin(), share.end(), t + 1);
      if (a == share.end() || b == share.end()) continue;
      EXPECT_GE(std::abs(a - b), 201 / 4) << t;
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

TEST(PlanTest, ExclusiveTestsAndSuitesGoToTheQuietPhase) {
  // By pattern: test 1 (a split suite's), test 5 (inside the suite kept
  // together: the whole unit becomes exclusive).
  std::vector<std::string> names = {"A.a", "A.b", "A.c", "F.a", "F.b", "F.c",
                                    "F.d", "S.a", "S.b", "Z.a", "Z.b"};
  const std::vector<bool> marks =
      MarkMatching("A.b:F.c", names.size(), [&](size_t t) { return names[t]; });
  ASSERT_EQ(marks.size(), names.size());
  Plan p = MakePlan(kSuiteOf, kTraits, Dist::kAuto, marks);
  EXPECT_EQ(Ranges(p), Ranges(MakePlan(kSuiteOf, kTraits, Dist::kAuto)));
  EXPECT_TRUE(p.units[1].exclusive && p.units[1].serial);
  EXPECT_FALSE(p.units[0].exclusive || p.units[2].exclusive);
  EXPECT_TRUE(p.units[3].exclusive && p.units[3].serial);  // F, kept together
  EXPECT_EQ(p.serial_tests, 1u + 4u + 2u);
  EXPECT_EQ(SerialItems(p), (std::vector<uint32_t>{1, 3, 9, 10}));
  // By suite trait (MPRUN_EXCLUSIVE_SUITE).
  std::vector<SuiteTraits> traits = kTraits;
  traits[0].exclusive = true;
  p = MakePlan(kSuiteOf, traits, Dist::kAuto);
  EXPECT_TRUE(p.units[0].exclusive && p.units[1].exclusive && p.units[2].exclusive);
  EXPECT_EQ(p.serial_tests, 5u);
  EXPECT_TRUE(MarkMatching("", names.size(), [&](size_t t) { return names[t]; }).empty());
}

TEST(PlanTest, DistNamesParse) {
  Dist d;
  EXPECT_TRUE(ParseDist("suite", &d));
  EXPECT_EQ(d, Dist::kSuite);
  EXPECT_FALSE(ParseDist("suites", &d));
}

TEST(PlacementTest, WithHistoryEveryUnitIsDealtOnceWithinOneTestOfTheLptBound) {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    const uint32_t n = 1 + rng() % 400;
    std::vector<uint32_t> suite_of(n);
    std::vector<SuiteTraits> traits;
    for (uint32_t t = 0, s = 0; t < n; ++s) {
      traits.push_back({rng() % 4 == 0, false, false});
      const uint32_t end = std::min(n, t + 1 + static_cast<uint32_t>(rng() % 6));
      for (; t < end; ++t) suite_of[t] = s;
    }
    const Plan p = MakePlan(suite_of, traits, Dist::kAuto);
    std::vector<Expectation> e(n);
    std::lognormal_distribution<double> cost(1.0, 1.2);
    double total = 0;
    for (auto& x : e) total += x.cost_ms = cost(rng);
    double longest_unit = 0;
    for (const Unit& u : p.units) {
      double c = 0;
      for (uint32_t t = u.first; t < u.end; ++t) c += e[t].cost_ms;
      longest_unit = std::max(longest_unit, c);
    }
    const int workers = 1 + static_cast<int>(rng() % 16);
    const auto shares = DealByHistory(p, workers, e);
    std::multiset<uint32_t> dealt;
    for (const auto& share : shares) dealt.insert(share.begin(), share.end());
    std::multiset<uint32_t> units;
    for (const Unit& u : p.units) units.insert(u.first);
    ASSERT_EQ(dealt, units) << "round " << round;
    // LPT: no share exceeds the average by more than one unit.
    EXPECT_LE(LargestShareMs(p, shares, e), total / workers + longest_unit + 1e-9)
        << "round " << round;
  }
}

TEST(PlacementTest, FailedAndUnseenTestsGoFirstThenTheLongest) {
  const std::vector<uint32_t> suite_of = {0, 1, 2, 3, 4};
  const std::vector<SuiteTraits> traits(5);
  const Plan p = MakePlan(suite_of, traits, Dist::kAuto);
  //                        cost, first
  std::vector<Expectation> e = {{1, false}, {50, false}, {2, true}, {0, true}, {10, false}};
  const auto shares = DealByHistory(p, 1, e);
  ASSERT_EQ(shares.size(), 1u);
  // Early ones (2 failed last time, 3 never seen: median cost 6) by cost,
  // then the rest longest first.
  EXPECT_EQ(shares[0], (std::vector<uint32_t>{3, 2, 1, 4, 0}));
}

TEST(PlacementTest, SmallTestsAreDealtInRunsOfTableOrderNotInterleaved) {
  // 1,000 equal small tests and two long ones, over 4 workers: the long ones
  // open two shares; the small ones fill all four in table order, so that no
  // two workers touch the same stretch of the test table.
  const uint32_t n = 1002;
  std::vector<uint32_t> suite_of(n);
  for (uint32_t t = 0; t < n; ++t) suite_of[t] = t;
  const Plan p = MakePlan(suite_of, std::vector<SuiteTraits>(n), Dist::kAuto);
  std::vector<Expectation> e(n, {1.0, false});
  e[500].cost_ms = e[1001].cost_ms = 100;
  const auto shares = DealByHistory(p, 4, e);
  ASSERT_EQ(shares.size(), 4u);
  EXPECT_EQ(shares[0].front(), 500u);
  EXPECT_EQ(shares[1].front(), 1001u);
  for (size_t w = 0; w < shares.size(); ++w) {
    const size_t from = w < 2 ? 1 : 0;  // after the long one
    for (size_t i = from + 1; i < shares[w].size(); ++i) {
      const uint32_t step = shares[w][i] - shares[w][i - 1];
      EXPECT_TRUE(step == 1 || (step == 2 && shares[w][i] == 501)) << "worker " << w << " at " << i;
    }
  }
  // Balanced: the average is 300; each share within one small test of it.
  for (const auto& share : shares) {
    EXPECT_NEAR(LargestShareMs(p, {share}, e), 300, 1.0);
  }
}

// Durations of microseconds (a driver-mode suite whose cost is its
// SetUpTestSuite, which no test's duration shows): the first test of each
// suite a little longer than the rest is noise, and must not pull it away
// from its suite.
TEST(PlacementTest, TestsUnderAMillisecondStayInTableOrderWhateverTheirNoise) {
  std::vector<uint32_t> suite_of(200);
  for (uint32_t t = 0; t < 200; ++t) suite_of[t] = t / 10;
  const Plan p = MakePlan(suite_of, std::vector<SuiteTraits>(200), Dist::kTest);
  std::vector<Expectation> e(200, {0.001, false});
  for (uint32_t t = 0; t < 200; t += 10) e[t].cost_ms = 0.01;  // each suite's first
  const auto shares = DealByHistory(p, 2, e);
  ASSERT_EQ(shares.size(), 2u);
  for (const auto& share : shares) {
    std::set<uint32_t> suites;
    for (uint32_t first : share) suites.insert(suite_of[first]);
    EXPECT_EQ(suites.size(), 10u) << "every suite whole on one worker";
    for (size_t i = 1; i < share.size(); ++i) EXPECT_EQ(share[i], share[i - 1] + 1);
  }
}

// Noise that is not symmetric: the even split of the small tests falls
// inside a suite, and the cut moves to the nearer end of that suite.
TEST(PlacementTest, SmallTestsAreCutBetweenSuitesNotInsideOne) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> noise(0.001, 0.02);
  for (int round = 0; round < 50; ++round) {
    // Suites of at most a sixteenth of a share: moving a cut by half of one
    // stays within the eighth of a share the deal allows for it.
    const int workers = 2 + static_cast<int>(rng() % 3);
    const uint32_t suites = 16 * workers * 2 + rng() % 20, per = 2 + rng() % 12, n = suites * per;
    std::vector<uint32_t> suite_of(n);
    for (uint32_t t = 0; t < n; ++t) suite_of[t] = t / per;
    const Plan p = MakePlan(suite_of, std::vector<SuiteTraits>(suites), Dist::kTest);
    std::vector<Expectation> e(n);
    double total = 0;
    for (auto& x : e) total += x.cost_ms = noise(rng);
    const auto shares = DealByHistory(p, workers, e);
    std::map<uint32_t, std::set<size_t>> workers_of_suite;
    for (size_t w = 0; w < shares.size(); ++w) {
      for (uint32_t first : shares[w]) workers_of_suite[suite_of[first]].insert(w);
    }
    for (const auto& [suite, on] : workers_of_suite) {
      EXPECT_EQ(on.size(), 1u) << "round " << round << ": suite " << suite << " split";
    }
    // Still balanced: within a suite and a bit of the average.
    EXPECT_LE(LargestShareMs(p, shares, e), total / workers * 1.125 + per * 0.02 + 1e-9)
        << "round " << round;
  }
}

TEST(PlacementTest, ASuiteSeenWithAnExpensiveSetUpIsKeptWholeAndItsSetUpCounts) {
  // Suites 0 (set-up 40 ms seen before its second test), 1 (0.5 ms: too
  // little to matter), 2 (serial, 40 ms), 3 (one test, 40 ms).
  const std::vector<uint32_t> suite_of = {0, 0, 0, 1, 1, 2, 2, 3};
  std::vector<SuiteTraits> traits(4);
  traits[2].serial = true;
  Plan p = MakePlan(suite_of, traits, Dist::kAuto);
  ASSERT_EQ(p.units.size(), 8u);
  std::vector<Expectation> e(8, {2.0, false});
  e[1].suite_set_up_ms = 40;
  e[3].suite_set_up_ms = 0.5;
  e[5].suite_set_up_ms = e[7].suite_set_up_ms = 40;
  const std::vector<Expectation> as_seen = e;
  EXPECT_EQ(KeepSuitesWithSetUps(&p, &e, 2), 1u);
  ASSERT_EQ(p.units.size(), 6u);
  EXPECT_EQ(p.units[0].first, 0u);
  EXPECT_EQ(p.units[0].end, 3u);
  EXPECT_TRUE(p.units[0].kept_together);
  EXPECT_FALSE(p.units[0].serial);
  EXPECT_EQ(p.unit_of_test, (std::vector<uint32_t>{0, 0, 0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(p.units[3].serial) << "a serial suite stays as it was";
  EXPECT_EQ(e[0].cost_ms, 42.0) << "the set-up counts once, on the unit's first test";
  EXPECT_EQ(e[3].cost_ms, 2.0);
  EXPECT_EQ(e[5].cost_ms, 2.0) << "a serial suite stays split";
  EXPECT_EQ(e[7].cost_ms, 42.0);
  // Four workers: a share is (16 + 3 x 40) / 4 = 34 ms, and suite 0 with
  // its set-up (46 ms) would be the long pole: it stays split.
  Plan four = MakePlan(suite_of, traits, Dist::kAuto);
  std::vector<Expectation> again = as_seen;
  EXPECT_EQ(KeepSuitesWithSetUps(&four, &again, 4), 0u);
  EXPECT_EQ(four.units.size(), 8u);
  std::vector<Expectation> none(8, {2.0, false});
  Plan q = MakePlan(suite_of, traits, Dist::kAuto);
  EXPECT_EQ(KeepSuitesWithSetUps(&q, &none, 2), 0u);
  EXPECT_EQ(q.units.size(), 8u);
}

TEST(PlacementTest, WithoutAnyHistoryTheDealKeepsTableOrder) {
  const std::vector<uint32_t> suite_of = {0, 0, 1, 1, 2, 2};
  const Plan p = MakePlan(suite_of, std::vector<SuiteTraits>(3), Dist::kAuto);
  EXPECT_EQ(DealByHistory(p, 2, std::vector<Expectation>(6)), DealUnits(p, 2, std::nullopt));
}

}  // namespace
}  // namespace mprun::core
