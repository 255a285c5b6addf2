// A GoogleTest binary that CTest runs whole (one add_test).
#include <gtest/gtest.h>

TEST(Whole, One) {}
TEST(Whole, Two) {}
TEST(Whole, Three) { EXPECT_TRUE(true); }
