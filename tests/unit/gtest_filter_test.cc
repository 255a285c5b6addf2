#include "core/rules/gtest_filter.h"

#include <gtest/gtest.h>

namespace mprun::core {
namespace {

TEST(GtestFilterTest, WildcardsMatchLikeGoogleTest) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("A.*", "A.b"));
  EXPECT_FALSE(WildcardMatch("A.*", "AB.b"));
  EXPECT_TRUE(WildcardMatch("*.Test?", "Suite.Test1"));
  EXPECT_FALSE(WildcardMatch("*.Test?", "Suite.Test12"));
  EXPECT_TRUE(WildcardMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(WildcardMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(WildcardMatch("Many/Ord.P/*", "Many/Ord.P/12"));
}

TEST(GtestFilterTest, PositiveAndNegativePatterns) {
  GtestFilter f("A.*:B.x-A.slow*:*Flaky*");
  EXPECT_TRUE(f.Matches("A.fast"));
  EXPECT_TRUE(f.Matches("B.x"));
  EXPECT_FALSE(f.Matches("B.y"));
  EXPECT_FALSE(f.Matches("A.slow1"));
  EXPECT_FALSE(f.Matches("A.Flaky"));
}

TEST(GtestFilterTest, OnlyNegativeMeansEverythingElse) {
  GtestFilter f("-Slow.*");
  EXPECT_TRUE(f.Matches("Fast.one"));
  EXPECT_FALSE(f.Matches("Slow.one"));
  EXPECT_TRUE(GtestFilter("").Matches("Any.thing"));
}

TEST(GtestFilterTest, DisabledTestsFollowGoogleTestsRule) {
  EXPECT_TRUE(IsDisabledTest("DISABLED_Suite", "Test"));
  EXPECT_TRUE(IsDisabledTest("Suite", "DISABLED_Test"));
  EXPECT_TRUE(IsDisabledTest("Prefix/DISABLED_Suite", "Test"));
  EXPECT_FALSE(IsDisabledTest("Suite", "Test_DISABLED_"));
}

}  // namespace
}  // namespace mprun::core
