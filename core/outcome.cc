#include "core/outcome.h"

#include <string.h>

namespace mprun::core {

std::string_view OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kCrashed:
      return "crashed";
    case Outcome::kTimedOut:
      return "timed_out";
    case Outcome::kNotRun:
      return "not_run";
  }
  return "unknown";
}

char OutcomeSymbol(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
      return '.';
    case Outcome::kFailed:
      return 'F';
    case Outcome::kSkipped:
      return 'S';
    case Outcome::kCrashed:
      return 'C';
    case Outcome::kTimedOut:
      return 'T';
    case Outcome::kNotRun:
      return 'N';
  }
  return '?';
}

bool IsFailure(Outcome o) {
  return o == Outcome::kFailed || o == Outcome::kCrashed || o == Outcome::kTimedOut;
}

bool OutcomeFromByte(uint8_t b, Outcome* out) {
  if (b < static_cast<uint8_t>(Outcome::kPassed) || b > static_cast<uint8_t>(Outcome::kNotRun)) {
    return false;
  }
  *out = static_cast<Outcome>(b);
  return true;
}

bool OutcomeFromName(std::string_view name, Outcome* out) {
  for (int b = 0; b <= kOutcomeCount; ++b) {
    Outcome o;
    if (OutcomeFromByte(static_cast<uint8_t>(b), &o) && OutcomeName(o) == name) {
      *out = o;
      return true;
    }
  }
  return false;
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr) return "signal " + std::to_string(signal);
  return std::string("SIG") + abbrev;
}

std::string DescribeEnd(const ProcessEnd& end) {
  if (!end.signaled) return "exit status " + std::to_string(end.code);
  const char* desc = sigdescr_np(end.code);
  std::string s = SignalName(end.code);
  if (desc != nullptr) s += std::string(" (") + desc + ")";
  return s;
}

}  // namespace mprun::core
