// Tests that gtest_discover_tests lists one by one.
#include <gtest/gtest.h>

TEST(Discovered, Passes) { EXPECT_EQ(1 + 1, 2); }
TEST(Discovered, Fails) { EXPECT_EQ(1 + 1, 3); }
TEST(Discovered, Skips) { GTEST_SKIP() << "not today"; }
TEST(Other, Passes) {}

class Param : public testing::TestWithParam<int> {};
TEST_P(Param, IsSmall) { EXPECT_LT(GetParam(), 10); }
INSTANTIATE_TEST_SUITE_P(Prefix, Param, testing::Values(1, 2, 30));
