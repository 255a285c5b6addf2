// A FollowerSink that records what a follower told it, for the followers'
// unit tests.
#ifndef MPRUN_TESTS_UNIT_RECORDING_SINK_H_
#define MPRUN_TESTS_UNIT_RECORDING_SINK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"
#include "runner/framework/test_framework.h"

namespace mprun::testing_util {

struct Event {
  std::string what;  // "start", "finish", "write"
  uint32_t test = 0;
  core::Outcome outcome = core::Outcome::kNotRun;
  std::string text;  // message or written text
  int64_t reported_ms = -1;
  int signal = 0;
};

class RecordingSink : public runner::FollowerSink {
 public:
  void TestStarted(uint32_t test) override {
    events.push_back({"start", test, core::Outcome::kNotRun, "", -1});
  }
  void TestFinished(uint32_t test, core::Outcome outcome, const std::string& message, int signal,
                    int64_t reported_ms) override {
    events.push_back({"finish", test, outcome, message, reported_ms, signal});
  }
  void SuiteHeading() override { events.push_back({"heading", 0, core::Outcome::kNotRun, "", -1}); }
  void Write(std::string_view text) override { written += text; }
  std::vector<Event> events;
  std::string written;
};

}  // namespace mprun::testing_util

#endif  // MPRUN_TESTS_UNIT_RECORDING_SINK_H_
