#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "runner/framework/gtest_console_follower.h"
#include "runner/process/spawner.h"
#include "tests/unit/recording_sink.h"

namespace mprun::runner {
namespace {

using testing_util::Event;
using testing_util::RecordingSink;

TEST(ConsoleFollowerTest, FollowsTestsOutputFailuresAndGtestsOwnDurations) {
  RecordingSink sink;
  const std::vector<uint32_t> group = {7, 9};
  ConsoleFollower follow(sink, group, {"S.A", "S.B"});
  const std::string stream =
      "Running main() from gtest_main.cc\n"
      "[ RUN      ] S.A\n"
      "hello\n"
      "[       OK ] S.A (12 ms)\n"
      "[ RUN      ] S.B\n"
      "a.cc:3: Failure\n"
      "boom\n"
      "no newline[  FAILED  ] S.B (0 ms)\n";
  // Cut anywhere: one byte at a time.
  for (char c : stream) follow.Feed(std::string_view(&c, 1));
  follow.Close();
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events[0].what, "start");
  EXPECT_EQ(sink.events[1].test, 7u);
  EXPECT_EQ(sink.events[1].outcome, core::Outcome::kPassed);
  EXPECT_EQ(sink.events[1].reported_ms, 12);
  EXPECT_EQ(sink.events[3].test, 9u);
  EXPECT_EQ(sink.events[3].outcome, core::Outcome::kFailed);
  EXPECT_EQ(sink.events[3].text, "a.cc:3: Failure\nboom\nno newline");
  EXPECT_EQ(sink.events[3].reported_ms, 0);
  EXPECT_EQ(sink.written, "hello\n");
  EXPECT_TRUE(follow.Unstarted().empty());
  EXPECT_FALSE(follow.Ended(EndOf(0)));
  EXPECT_NE(follow.stray().find("Running main()"), std::string::npos);
}

// gtest prints a suite's heading before its SetUpTestSuite: the worker times
// the set-up from it. Not the suite's closing line, not the environment's.
TEST(ConsoleFollowerTest, ASuitesHeadingIsToldBeforeItsFirstTestAndNothingElseIs) {
  RecordingSink sink;
  const std::vector<uint32_t> group = {1, 2, 3};
  ConsoleFollower follow(sink, group, {"S.A", "S.B", "T.C"});
  follow.Feed(
      "[==========] Running 3 tests from 2 test suites.\n"
      "[----------] Global test environment set-up.\n"
      "[----------] 2 tests from S\n"
      "[ RUN      ] S.A\n"
      "[       OK ] S.A (0 ms)\n"
      "[ RUN      ] S.B\n"
      "[       OK ] S.B (0 ms)\n"
      "[----------] 2 tests from S (51 ms total)\n"
      "\n"
      "[----------] 1 test from T, where TypeParam = int\n"
      "[ RUN      ] T.C\n"
      "[----------] 1 test from Fake (printed by the test)\n"
      "[       OK ] T.C (0 ms)\n"
      "[----------] 1 test from T (0 ms total)\n"
      "[----------] Global test environment tear-down\n");
  follow.Close();
  std::vector<std::string> seen;
  for (const Event& e : sink.events)
    seen.push_back(e.what + (e.what == "heading" ? "" : std::to_string(e.test)));
  EXPECT_EQ(seen, (std::vector<std::string>{"heading", "start1", "finish1", "start2", "finish2",
                                            "heading", "start3", "finish3"}));
}

// A global environment whose SetUp() calls GTEST_SKIP(): gtest 1.12 runs
// no test, prints the skip after the set-up line, and exits 0. Every test of
// the group is skipped with the message; a skip inside a test after a plain
// set-up is that test's own.
TEST(ConsoleFollowerTest, ASkipInTheGlobalEnvironmentSkipsEveryTestOfTheLaunch) {
  RecordingSink sink;
  const std::vector<uint32_t> group = {4, 5};
  ConsoleFollower follow(sink, group, {"A.One", "A.Two"});
  const std::string stream =
      "[==========] Running 2 tests from 1 test suite.\n"
      "[----------] Global test environment set-up.\n"
      "t.cc:2: Skipped\n"
      "no device here\n"
      "no device here\n"
      "[----------] Global test environment tear-down\n"
      "[==========] 2 tests from 1 test suite ran. (0 ms total)\n"
      "[  PASSED  ] 2 tests.\n";
  for (char c : stream) follow.Feed(std::string_view(&c, 1));
  follow.Close();
  ASSERT_EQ(sink.events.size(), 4u);
  for (size_t k : {1u, 3u}) {
    EXPECT_EQ(sink.events[k].what, "finish");
    EXPECT_EQ(sink.events[k].outcome, core::Outcome::kSkipped);
    EXPECT_EQ(sink.events[k].text,
              "skipped by the global test environment's set-up: no device here");
  }
  EXPECT_EQ(sink.events[1].test, 4u);
  EXPECT_EQ(sink.events[3].test, 5u);
  EXPECT_TRUE(follow.ran_any());
  EXPECT_TRUE(follow.Unstarted().empty());

  RecordingSink plain;
  ConsoleFollower own(plain, group, {"A.One", "A.Two"});
  own.Feed(
      "[----------] Global test environment set-up.\n"
      "[----------] 2 tests from A\n"
      "[ RUN      ] A.One\n"
      "t.cc:5: Skipped\n"
      "[  SKIPPED ] A.One (0 ms)\n"
      "[----------] Global test environment tear-down\n");
  own.Close();
  ASSERT_EQ(plain.events.size(), 3u);
  EXPECT_EQ(plain.events[2].outcome, core::Outcome::kSkipped);
  EXPECT_EQ(own.Unstarted(), (std::vector<uint32_t>{5}));
}

TEST(ConsoleFollowerTest, ADeathInATestCrashesItAndTheRestAreUnstarted) {
  RecordingSink sink;
  const std::vector<uint32_t> group = {1, 2, 3};
  ConsoleFollower follow(sink, group, {"S.A", "S.B", "S.C"});
  follow.Feed("[ RUN      ] S.B\nhalf a li");
  follow.Close();
  EXPECT_TRUE(follow.Ended(EndOf(SIGSEGV)));  // a wait status of "killed by SIGSEGV"
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].outcome, core::Outcome::kCrashed);
  EXPECT_EQ(sink.events[1].reported_ms, -1);
  EXPECT_NE(sink.events[1].text.find("SIGSEGV"), std::string::npos);
  EXPECT_EQ(follow.Unstarted(), (std::vector<uint32_t>{1, 3}));
}

TEST(ConsoleFollowerTest, ALineWithoutEndIsPassedOnInPiecesNotHeld) {
  RecordingSink sink;
  const std::vector<uint32_t> group = {0};
  ConsoleFollower follow(sink, group, {"S.A"});
  follow.Feed("[ RUN      ] S.A\n");
  const std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 40; ++i) follow.Feed(chunk);  // 2.5 MiB, no newline
  EXPECT_GE(sink.written.size(), size_t{2} << 20) << "held in the worker instead of written";
  follow.Feed("[       OK ] S.A (5 ms)\n");
  follow.Close();
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].outcome, core::Outcome::kPassed);
  EXPECT_EQ(sink.written.size(), 40u << 16);
}

}  // namespace
}  // namespace mprun::runner
