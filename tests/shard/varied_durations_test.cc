// A plain GoogleTest binary (driver mode) for the shard e2e tests: 160
// tests in four suites whose durations differ from test to test and from
// run to run (a random sleep of 0.2 to 4 ms). Any history rewritten between
// the shards of one run therefore moves a duration-based split: the tests
// can only pass if the shards computed theirs from the same inputs.
// (Kept out of tests/fixtures: nothing but the shard tests uses it.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

namespace {

void SleepAWhile() {
  static std::mt19937 random(std::random_device{}());
  usleep(std::uniform_int_distribution<useconds_t>(200, 4000)(random));
}

class Varied : public ::testing::TestWithParam<int> {};
TEST_P(Varied, Sleeps) { SleepAWhile(); }
INSTANTIATE_TEST_SUITE_P(Short, Varied, ::testing::Range(0, 40));
INSTANTIATE_TEST_SUITE_P(Medium, Varied, ::testing::Range(0, 40));
INSTANTIATE_TEST_SUITE_P(Long, Varied, ::testing::Range(0, 40));
INSTANTIATE_TEST_SUITE_P(Mixed, Varied, ::testing::Range(0, 40));

}  // namespace
