#include "runner/framework/gtest_console_follower.h"

#include <sys/wait.h>

#include "core/results.h"
#include "core/rules/decisions.h"

namespace mprun::runner {

namespace {

using core::Outcome;

constexpr std::string_view kRun = "[ RUN      ] ";
constexpr std::string_view kOk = "[       OK ] ";
constexpr std::string_view kFailed = "[  FAILED  ] ";
constexpr std::string_view kSkipped = "[  SKIPPED ] ";
constexpr std::string_view kRule = "[----------] ";
constexpr std::string_view kEnvSetUp = "[----------] Global test environment set-up.";
constexpr std::string_view kEnvTearDown = "[----------] Global test environment tear-down";

// "[----------] 3 tests from S" (", where TypeParam = ..." may follow), not
// the suite's closing line "... (12 ms total)" nor the global environment's.
bool IsSuiteHeading(std::string_view line) {
  return line.starts_with(kRule) && line.find(" from ") != std::string_view::npos &&
         !line.ends_with(" total)");
}
constexpr size_t kOutputChunk = 1 << 16;

// "[       OK ] Suite.Name (12 ms)" -> 12; -1 without such a tail.
int64_t ReportedMs(std::string_view line) {
  const size_t open = line.rfind(" (");
  if (open == std::string_view::npos || !line.ends_with(" ms)")) return -1;
  const std::string_view digits = line.substr(open + 2, line.size() - open - 2 - 4);
  if (digits.empty() || digits.size() > 12) return -1;
  int64_t ms = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

}  // namespace

ConsoleFollower::ConsoleFollower(FollowerSink& sink, const std::vector<uint32_t>& group,
                                 std::vector<std::string> names)
    : sink_(sink), group_(group), names_(std::move(names)), done_(group.size(), false) {}

void ConsoleFollower::Feed(std::string_view chunk) {
  pending_.append(chunk);
  size_t from = 0;
  for (size_t nl; (nl = pending_.find('\n', from)) != std::string::npos; from = nl + 1) {
    std::string_view line(pending_.data() + from, nl - from);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Line(line, true);
  }
  pending_.erase(0, from);
  if (pending_.size() > kMaxLine) {
    // No newline for a long while: pass on all but a tail long enough to
    // hold an end marker and a test name that may be arriving.
    const size_t keep = kOutputChunk;
    Line(std::string_view(pending_).substr(0, pending_.size() - keep), false);
    pending_.erase(0, pending_.size() - keep);
  }
  Flush();
}

void ConsoleFollower::Close() {
  if (!pending_.empty()) Line(pending_, true);
  pending_.clear();
  Flush();
}

void ConsoleFollower::Line(std::string_view line, bool complete) {
  if (current_ < 0) {
    if (complete && line.substr(0, kRun.size()) == kRun) {
      const int pos = Find(line.substr(kRun.size()));
      if (pos >= 0 && !done_[static_cast<size_t>(pos)]) {
        current_ = pos;
        message_.clear();
        in_failure_ = false;
        ran_any_ = true;
        sink_.TestStarted(group_[static_cast<size_t>(pos)]);
        return;
      }
    }
    if (complete && IsSuiteHeading(line)) sink_.SuiteHeading();
    if (complete) Environment(line);
    Stray(line, complete);
    return;
  }
  // The end marker for the current test, maybe after output that had no
  // newline of its own.
  size_t at = std::string_view::npos;
  Outcome outcome = Outcome::kPassed;
  for (auto [marker, o] : {std::pair{kOk, Outcome::kPassed}, std::pair{kFailed, Outcome::kFailed},
                           std::pair{kSkipped, Outcome::kSkipped}}) {
    const size_t p = line.find(marker);
    if (p == std::string_view::npos || p >= at) continue;
    const std::string_view rest = line.substr(p + marker.size());
    const std::string& name = names_[static_cast<size_t>(current_)];
    if (rest.substr(0, name.size()) != name) continue;
    if (rest.size() > name.size() && rest[name.size()] != ' ' && rest[name.size()] != ',') {
      continue;
    }
    at = p;
    outcome = o;
  }
  if (at == std::string_view::npos || !complete) {
    Output(line, complete);
    return;
  }
  if (at > 0) Output(line.substr(0, at), false);
  Finish(outcome, message_, 0, ReportedMs(line.substr(at)));
}

bool ConsoleFollower::Ended(const core::ProcessEnd& end, std::string_view note) {
  if (current_ < 0) return false;
  std::string why = message_;
  if (!why.empty() && why.back() != '\n') why += '\n';
  why += core::BinaryEndedInTest(end, note);
  Finish(Outcome::kCrashed, why, end.signaled ? end.code : 0);
  return true;
}

std::vector<uint32_t> ConsoleFollower::Unstarted() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < group_.size(); ++i) {
    if (!done_[i]) out.push_back(group_[i]);
  }
  return out;
}

int ConsoleFollower::Find(std::string_view name) {
  if (next_ < names_.size() && names_[next_] == name) return static_cast<int>(next_);
  if (index_.empty()) {
    for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
  }
  const auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : static_cast<int>(it->second);
}

// A test's output goes to the worker's output file (the supervisor slices
// it per test); from its first failure on, into the message instead.
void ConsoleFollower::Output(std::string_view text, bool newline) {
  if (!in_failure_ && newline &&
      (text.ends_with(": Failure") || text.ends_with(": Skipped") ||
       text.ends_with(": error: Failure"))) {
    in_failure_ = true;
  }
  // A message is kept to its first 64 KiB; the rest stays output.
  std::string& to = in_failure_ && message_.size() < kMaxMessage ? message_ : out_;
  to.append(text);
  if (newline) to += '\n';
  if (out_.size() >= kOutputChunk) Flush();
}

// Writes the current test's output gathered so far: before each event (the
// supervisor slices the output file by the offsets events record) and after
// each chunk read from the child.
void ConsoleFollower::Flush() {
  if (out_.empty()) return;
  sink_.Write(out_);
  out_.clear();
}

void ConsoleFollower::Finish(Outcome outcome, const std::string& message, int signal,
                             int64_t reported_ms) {
  Flush();
  const auto pos = static_cast<size_t>(current_);
  sink_.TestFinished(group_[pos], outcome, message, signal, reported_ms);
  done_[pos] = true;
  next_ = pos + 1;
  current_ = -1;
  message_.clear();
  in_failure_ = false;
}

// gtest prints the skip of a global environment's SetUp() as a failure
// part ("file:line: Skipped" and the message) after the set-up line, runs
// no test, and passes: every test it was given was skipped, with that
// message. (A fatal failure there runs no test either, but exits 1: the
// launch fails as one that ran nothing.)
void ConsoleFollower::Environment(std::string_view line) {
  if (line == kEnvSetUp) {
    env_ = ran_any_ ? EnvState::kNone : EnvState::kSettingUp;
    env_message_.clear();
  } else if (env_ == EnvState::kSettingUp && line.ends_with(": Skipped")) {
    env_ = EnvState::kSkipped;
  } else if (env_ == EnvState::kSkipped && line.starts_with(kEnvTearDown)) {
    env_ = EnvState::kNone;
    const std::string why = "skipped by the global test environment's set-up" +
                            (env_message_.empty() ? "" : ": " + env_message_);
    for (size_t pos = 0; pos < group_.size(); ++pos) {
      if (done_[pos]) continue;
      current_ = static_cast<int>(pos);
      ran_any_ = true;
      sink_.TestStarted(group_[pos]);
      Finish(Outcome::kSkipped, why);
    }
  } else if (env_ == EnvState::kSkipped) {
    // gtest prints the message twice (the part, then its own printf).
    if (env_message_.size() < kMaxMessage && env_message_.find(line) == std::string::npos) {
      if (!env_message_.empty()) env_message_ += '\n';
      env_message_.append(line);
    }
  } else if (line.starts_with(kRule)) {
    env_ = EnvState::kNone;
  }
}

void ConsoleFollower::Stray(std::string_view line, bool newline) {
  stray_.append(line);
  if (newline) stray_ += '\n';
  if (stray_.size() > 2 * kStrayKept) stray_.erase(0, stray_.size() - kStrayKept);
}

}  // namespace mprun::runner
