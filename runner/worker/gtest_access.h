// Access to the few private members of GoogleTest that let a worker run a
// chosen set of tests of a suite directly (~1 us per test, whatever the
// suite's size), instead of a full RUN_ALL_TESTS filter pass per batch.
// Worker processes only.
//
// How: an explicit template instantiation may name private members
// ([temp.spec.general]/6), and a friend function defined inside it hands the
// member pointer out. Every member is named with its exact type, so a
// GoogleTest whose internals changed fails to compile here rather than
// misbehave; build with -DMPRUN_GTEST_DIRECT=OFF to fall back to the public
// filter path.
#ifndef MPRUN_RUNNER_WORKER_GTEST_ACCESS_H_
#define MPRUN_RUNNER_WORKER_GTEST_ACCESS_H_

#include <gtest/gtest.h>

#include <vector>

namespace mprun::runner::gtest_access {

template <typename Class, typename Member>
using MemberPtr = Member Class::*;

template <typename Tag, typename Tag::Type kMember>
struct Grant {
  friend typename Tag::Type Get(Tag) { return kMember; }
};

#define MPRUN_GTEST_PRIVATE(TagName, Class, MemberType, member) \
  struct TagName {                                              \
    using Type = MemberPtr<Class, MemberType>;                  \
    friend Type Get(TagName);                                   \
  };                                                            \
  template struct Grant<TagName, &Class::member>

MPRUN_GTEST_PRIVATE(SuiteRun, ::testing::TestSuite, void(), Run);
MPRUN_GTEST_PRIVATE(SuiteClearResult, ::testing::TestSuite, void(), ClearResult);
MPRUN_GTEST_PRIVATE(SuiteShouldRun, ::testing::TestSuite, bool, should_run_);
MPRUN_GTEST_PRIVATE(SuiteTests, ::testing::TestSuite, std::vector<::testing::TestInfo*>,
                    test_info_list_);
MPRUN_GTEST_PRIVATE(SuiteIndices, ::testing::TestSuite, std::vector<int>, test_indices_);
MPRUN_GTEST_PRIVATE(SuiteSetUpFn, ::testing::TestSuite, ::testing::internal::SetUpTestSuiteFunc,
                    set_up_tc_);
MPRUN_GTEST_PRIVATE(SuiteTearDownFn, ::testing::TestSuite,
                    ::testing::internal::TearDownTestSuiteFunc, tear_down_tc_);
MPRUN_GTEST_PRIVATE(InfoShouldRun, ::testing::TestInfo, bool, should_run_);

#undef MPRUN_GTEST_PRIVATE

}  // namespace mprun::runner::gtest_access

#endif  // MPRUN_RUNNER_WORKER_GTEST_ACCESS_H_
