#include "core/outcome.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace mprun::core {
namespace {

TEST(OutcomeTest, NamesAreTheReportContract) {
  EXPECT_EQ(OutcomeName(Outcome::kPassed), "passed");
  EXPECT_EQ(OutcomeName(Outcome::kTimedOut), "timed_out");
  EXPECT_EQ(OutcomeName(Outcome::kNotRun), "not_run");
  EXPECT_EQ(OutcomeSymbol(Outcome::kCrashed), 'C');
  EXPECT_EQ(OutcomeSymbol(Outcome::kSkipped), 'S');
}

TEST(OutcomeTest, OnlyFailedCrashedAndTimedOutFailTheRun) {
  EXPECT_TRUE(IsFailure(Outcome::kFailed));
  EXPECT_TRUE(IsFailure(Outcome::kCrashed));
  EXPECT_TRUE(IsFailure(Outcome::kTimedOut));
  EXPECT_FALSE(IsFailure(Outcome::kSkipped));
  EXPECT_FALSE(IsFailure(Outcome::kNotRun));
}

TEST(OutcomeTest, BytesOutsideTheEnumAreRejected) {
  Outcome o;
  EXPECT_FALSE(OutcomeFromByte(0, &o));
  EXPECT_FALSE(OutcomeFromByte(7, &o));
  ASSERT_TRUE(OutcomeFromByte(4, &o));
  EXPECT_EQ(o, Outcome::kCrashed);
}

TEST(OutcomeTest, ProcessEndsAreDescribedBySignalNameOrStatus) {
  EXPECT_EQ(DescribeEnd({true, SIGSEGV}), "SIGSEGV (Segmentation fault)");
  EXPECT_EQ(DescribeEnd({false, 3}), "exit status 3");
  EXPECT_EQ(SignalName(SIGABRT), "SIGABRT");
}

}  // namespace
}  // namespace mprun::core
