// A generated suite of MPRUN_BENCH_TESTS trivial tests (a compile-time
// count), in suites of 100, registered in a loop so that compile time stays
// small. Built linked with mprun::gtest_main and as a plain gtest binary.
#include <gtest/gtest.h>

#include <string>

namespace {

class Trivial : public ::testing::Test {
 public:
  explicit Trivial(int n) : n_(n) {}
  void TestBody() override { EXPECT_GE(n_, 0); }

 private:
  int n_;
};

const bool kRegistered = [] {
  for (int i = 0; i < MPRUN_BENCH_TESTS; ++i) {
    const std::string suite = "Trivial" + std::to_string(i / 100);
    const std::string name = "Test" + std::to_string(i % 100);
    ::testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [i]() -> ::testing::Test* { return new Trivial(i); });
  }
  return true;
}();

}  // namespace
