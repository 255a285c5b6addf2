// ConsoleFollower: reads one launch's GoogleTest console stream (stdout and
// stderr of a test binary in one pipe, --gtest_color=no) for the tests it was
// given, and tells a sink which test started, what it printed, and how it
// ended. The driver-mode executor's parser of outside input; fuzzed
// (tests/fuzz). Worker processes only.
//
// `[ RUN      ] Suite.Name` of a test of the group starts it; the text until
// `[       OK ]`, `[  FAILED  ]` or `[  SKIPPED ]` of that test (found even
// mid-line, after output without a newline) is its output, and from its
// first `file:line: Failure` line on, its message (the first 64 KiB). Lines
// outside tests are kept (their last 8 KiB) to explain a binary that dies
// before any test. A line longer than 1 MiB is passed on in pieces, so a
// test printing without newlines cannot grow the worker without bound.
#ifndef MPRUN_RUNNER_FRAMEWORK_GTEST_CONSOLE_FOLLOWER_H_
#define MPRUN_RUNNER_FRAMEWORK_GTEST_CONSOLE_FOLLOWER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/outcome.h"
#include "runner/framework/test_framework.h"

namespace mprun::runner {

// GoogleTest's follower (runner/framework/test_framework.h).
class ConsoleFollower : public StreamFollower {
 public:
  // `group[i]` is the test whose full name is `names[i]`.
  ConsoleFollower(FollowerSink& sink, const std::vector<uint32_t>& group,
                  std::vector<std::string> names);

  // A chunk read from the pipe (any size, lines split anywhere).
  void Feed(std::string_view chunk) override;
  // The pipe closed: the last line, if it had no newline.
  void Close() override;
  // The child has ended (`end`): the test it was in (if any) crashed, with `note` (why mprun killed
  // it) if there is one. True when there was one.
  bool Ended(const core::ProcessEnd& end, std::string_view note = {}) override;
  // The tests of the group that were never started.
  std::vector<uint32_t> Unstarted() const override;
  bool ran_any() const override { return ran_any_; }
  const std::string& stray() const override { return stray_; }

  static constexpr size_t kMaxLine = 1 << 20;
  static constexpr size_t kStrayKept = 8192;
  static constexpr size_t kMaxMessage = 1 << 16;

 private:
  void Line(std::string_view line, bool complete);
  int Find(std::string_view name);
  void Output(std::string_view text, bool newline);
  void Flush();
  void Finish(core::Outcome outcome, const std::string& message, int signal = 0,
              int64_t reported_ms = -1);
  void Stray(std::string_view line, bool newline);
  // Between tests: the global environment's set-up and whether it skipped.
  void Environment(std::string_view line);

  FollowerSink& sink_;
  const std::vector<uint32_t>& group_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<bool> done_;
  size_t next_ = 0;
  int current_ = -1;
  bool ran_any_ = false;
  bool in_failure_ = false;
  // The global environment's SetUp() called GTEST_SKIP(): gtest runs no
  // test and exits 0; each of the group is skipped with env_message_.
  enum class EnvState { kNone, kSettingUp, kSkipped } env_ = EnvState::kNone;
  std::string env_message_;
  std::string message_;
  std::string out_;      // the current test's output, not yet written
  std::string stray_;    // what the child printed outside tests (its tail)
  std::string pending_;  // a line not ended yet
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_FRAMEWORK_GTEST_CONSOLE_FOLLOWER_H_
