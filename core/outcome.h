// Outcomes of a test and of a run: closed types shared by every module.
// Pure values; any process may use them.
#ifndef MPRUN_CORE_OUTCOME_H_
#define MPRUN_CORE_OUTCOME_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace mprun::core {

// The final outcome of one test. Stored in result records as uint8_t, so the
// values are fixed.
enum class Outcome : uint8_t {
  kPassed = 1,
  kFailed = 2,
  kSkipped = 3,
  kCrashed = 4,   // the process died inside the test (signal or exit status)
  kTimedOut = 5,  // exceeded --process-timeout and was killed
  kNotRun = 6,    // never started: stopped on failure or interrupted
};
inline constexpr int kOutcomeCount = 6;

// Contract names, as in the JSON report: "passed", "timed_out", ...
std::string_view OutcomeName(Outcome o);
// The outcome of a contract name (the inverse of OutcomeName); false for
// anything else.
bool OutcomeFromName(std::string_view name, Outcome* out);
// Console dot: . F S C T N
char OutcomeSymbol(Outcome o);
// True for outcomes that make the run fail.
bool IsFailure(Outcome o);
// Parses an outcome byte from a result record; false for anything else.
bool OutcomeFromByte(uint8_t b, Outcome* out);

// How a process ended, as waitid(2) reports it.
struct ProcessEnd {
  bool signaled = false;  // true: `code` is a signal number; false: an exit status
  int code = 0;
};
// "SIGSEGV (Segmentation fault)" or "exit status 3".
std::string DescribeEnd(const ProcessEnd& end);
// "SIGSEGV"; "signal 77" for numbers without a name.
std::string SignalName(int signal);

// The process exit status of a run (README, "Outcomes and exit status").
enum class ExitStatus : int {
  kSuccess = 0,      // every selected test passed or was skipped
  kTestsFailed = 1,  // some test failed, crashed or timed out
  kUsage = 2,        // bad flag, file or setup; the message names it
  kInterrupted = 130,
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_OUTCOME_H_
