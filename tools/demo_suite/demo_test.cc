// A small, realistic GoogleTest suite to show mprun at work: ~300 tests of
// mixed length, an expensive shared fixture, IO-like waits, and one failing
// test. Run it with `tools/demo`.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace demo {
namespace {

std::string Reverse(std::string s) {
  std::reverse(s.begin(), s.end());
  return s;
}

// Fast, pure tests: 120 of them.
class ReverseTest : public ::testing::TestWithParam<int> {};
TEST_P(ReverseTest, ReversingTwiceGivesTheOriginal) {
  std::string s(static_cast<size_t>(GetParam()), 'a');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  EXPECT_EQ(Reverse(Reverse(s)), s);
}
INSTANTIATE_TEST_SUITE_P(Lengths, ReverseTest, ::testing::Range(0, 120));

// CPU-bound tests of varying cost: 60 of them, a few long ones.
std::vector<double> Multiply(const std::vector<double>& a, const std::vector<double>& b, int n) {
  std::vector<double> c(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k)
      for (int j = 0; j < n; ++j) c[i * n + j] += a[i * n + k] * b[k * n + j];
  return c;
}

class MatrixTest : public ::testing::TestWithParam<int> {};
TEST_P(MatrixTest, IdentityIsNeutral) {
  const int n = 20 + (GetParam() % 10 == 9 ? 220 : GetParam() * 3);
  std::vector<double> a(static_cast<size_t>(n) * n), id(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n * n; ++i) a[i] = std::sin(i);
  for (int i = 0; i < n; ++i) id[i * n + i] = 1.0;
  const auto c = Multiply(a, id, n);
  for (int i = 0; i < n * n; ++i) ASSERT_DOUBLE_EQ(c[i], a[i]);
}
INSTANTIATE_TEST_SUITE_P(Sizes, MatrixTest, ::testing::Range(0, 60));

// IO-like tests that wait: 40 of them, 5 to 45 ms each.
class CacheTest : public ::testing::TestWithParam<int> {};
TEST_P(CacheTest, EntryExpiresAfterItsLifetime) {
  const auto lifetime = std::chrono::milliseconds(5 + GetParam() % 9 * 5);
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(lifetime);
  EXPECT_GE(std::chrono::steady_clock::now() - start, lifetime);
}
INSTANTIATE_TEST_SUITE_P(Lifetimes, CacheTest, ::testing::Range(0, 40));

// A suite with an expensive shared fixture: its set-up runs once per worker
// that runs the suite.
class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // "load the schema"
    table_ = new std::map<int, std::string>;
    for (int i = 0; i < 1000; ++i) (*table_)[i] = "row" + std::to_string(i);
  }
  static void TearDownTestSuite() {
    delete table_;
    table_ = nullptr;
  }
  static std::map<int, std::string>* table_;
};
std::map<int, std::string>* DatabaseTest::table_ = nullptr;

TEST_F(DatabaseTest, FindsARow) { EXPECT_EQ(table_->at(42), "row42"); }
TEST_F(DatabaseTest, CountsRows) { EXPECT_EQ(table_->size(), 1000u); }
TEST_F(DatabaseTest, FirstRow) { EXPECT_EQ(table_->begin()->second, "row0"); }
TEST_F(DatabaseTest, LastRow) { EXPECT_EQ(table_->rbegin()->second, "row999"); }
TEST_F(DatabaseTest, MissingRowThrows) { EXPECT_THROW(table_->at(5000), std::out_of_range); }

// Arithmetic: 80 quick checks.
class SumTest : public ::testing::TestWithParam<int> {};
TEST_P(SumTest, GaussFormulaHolds) {
  const int n = GetParam() * 100;
  std::vector<long> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  EXPECT_EQ(std::accumulate(v.begin(), v.end(), 0L), static_cast<long>(n) * (n + 1) / 2);
}
INSTANTIATE_TEST_SUITE_P(Ranges, SumTest, ::testing::Range(0, 80));

// The one test that fails, as real suites have: a retry loop that gives up.
TEST(NetworkTest, ReconnectsWithinThreeAttempts) {
  int attempts = 0;
  bool connected = false;
  while (!connected && attempts < 3) {
    ++attempts;
    std::printf("attempt %d: connection refused\n", attempts);
    connected = false;  // the demo server is never up
  }
  EXPECT_TRUE(connected) << "gave up after " << attempts << " attempts";
}

}  // namespace
}  // namespace demo
