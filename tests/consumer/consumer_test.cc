#include <gtest/gtest.h>
#include <mprun/mprun.h>

TEST(Consumer, Adds) { EXPECT_EQ(1 + 1, 2); }
TEST(Consumer, Multiplies) { EXPECT_EQ(2 * 3, 6); }
TEST(Consumer, Compares) { EXPECT_LT(1, 2); }
