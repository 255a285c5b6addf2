#include "core/rules/decisions.h"

#include <algorithm>
#include <cstdio>

namespace mprun::core {

const char* PhaseWords(WorkerPhase phase, bool driver) {
  switch (phase) {
    case WorkerPhase::kIdle:
      return "between tests";
    case WorkerPhase::kEnvironmentSetUp:
      return driver ? "while its test binary started (before its first test was seen)"
                    : "in a global environment's SetUp()";
    case WorkerPhase::kSuiteSetUp:
      return "in SetUpTestSuite()";
    case WorkerPhase::kTest:
      return "in the test";
    case WorkerPhase::kSuiteTearDown:
      return "after a test (TearDownTestSuite() or between tests)";
    case WorkerPhase::kEnvironmentTearDown:
      return "in a global environment's TearDown()";
  }
  return "at an unknown point";
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return std::string(buf) + "s";
}

ExitJudgement JudgeWorkerExit(const WorkerExit& x) {
  ExitJudgement j;
  const bool normal = !x.end.signaled && x.end.code == 0 && x.said_done && !x.killed_by_stop;
  j.died = !normal;
  if (x.timeout_decided) {
    // Decided at the deadline; how the worker then ended (killed, ended
    // itself after its backtrace, or left normally after a test took the
    // dump signal for its own) changes nothing.
    j.verdict = x.timed_out_test_open ? ExitVerdict::kTimedOut : ExitVerdict::kDiedOutsideTest;
    j.keep_running = x.timed_out_test_open;
    return j;
  }
  // A worker killed while it started (its environments' SetUp ran out of
  // time) was not inside a test.
  const bool in_test =
      x.running_open && !x.killed_for_timeout && x.phase != WorkerPhase::kEnvironmentSetUp;
  j.keep_running = in_test;
  if (!normal && !x.killed_by_stop) {
    j.verdict = in_test ? ExitVerdict::kCrashed : ExitVerdict::kDiedOutsideTest;
  }
  return j;
}

bool GiveUpCounts::DiedOutsideTests(bool had_records, bool launching) {
  if (had_records) {
    deaths_ = launch_deaths_ = 0;
    return false;
  }
  if (launching) {
    if (++launch_deaths_ < kLaunchDeathsInARow) return false;
    deaths_ = launch_deaths_;
    return true;
  }
  return ++deaths_ >= max_;
}

double AutoLimitS(double longest_ms) {
  if (!(longest_ms > 0)) return kUnknownTestLimitS;
  return std::max(kAutoLimitFloorS, kAutoLimitFactor * longest_ms / 1000);
}

TimeoutRules::TimeoutRules(const TimeLimits& l)
    : run_limit_s_(l.run_limit_s),
      run_limit_ns_(Ns(l.run_limit_s)),
      test_limits_s_(l.test_limits_s),
      own_limits_(l.own_limits),
      automatic_(l.automatic),
      any_limit_(run_limit_ns_ != kNever),
      slow_after_s_(l.slow_after_s),
      slow_ns_(Ns(l.slow_after_s)),
      dump_grace_ns_(l.dump_grace_ms > 0 ? static_cast<uint64_t>(l.dump_grace_ms) * 1'000'000 : 0),
      hand_back_ns_(static_cast<uint64_t>(std::max(l.hand_back_after_ms, 0)) * 1'000'000),
      launch_floor_s_(l.launch_start_floor_s),
      stop_at_ns_(l.stop_at_ns) {
  test_limits_ns_.reserve(test_limits_s_.size());
  for (double s : test_limits_s_) {
    test_limits_ns_.push_back(Ns(s));
    any_limit_ = any_limit_ || s > 0;
  }
}

double TimeoutRules::LimitS(uint32_t test, WorkerPhase phase) const {
  if (Floored(phase)) return launch_floor_s_;
  return OwnLimit(test, phase) ? test_limits_s_[test] : run_limit_s_;
}

std::string TimeoutRules::LimitSource(uint32_t test, WorkerPhase phase) const {
  const bool own = OwnLimit(test, phase) && test < own_limits_.size() && own_limits_[test];
  if (own || (!automatic_ && OwnLimit(test, phase))) return "(its own limit)";
  if (Floored(phase)) return "(the least a test binary is given to start)";
  if (!automatic_) return "(--process-timeout)";
  if (!OwnLimit(test, phase) || test_limits_s_[test] == kUnknownTestLimitS) {
    return "(the limit without history; --process-timeout=SECONDS sets one)";
  }
  return "(its limit: 5 times its longest recorded run, at least 60s; --process-timeout=SECONDS "
         "sets one)";
}

uint64_t TimeoutRules::LimitNs(uint32_t test, WorkerPhase phase) const {
  return Floored(phase)          ? Ns(launch_floor_s_)
         : OwnLimit(test, phase) ? test_limits_ns_[test]
                                 : run_limit_ns_;
}

uint64_t TimeoutRules::DeadlineOf(uint32_t test, WorkerPhase phase, uint64_t started_ns,
                                  uint64_t paused_ns) const {
  const uint64_t own = started_ns + LimitNs(test, phase) + paused_ns;
  return stop_at_ns_ != 0 ? std::min(own, stop_at_ns_) : own;
}

bool TimeoutRules::CutByStopTime(uint32_t test, WorkerPhase phase, uint64_t started_ns,
                                 uint64_t paused_ns) const {
  return stop_at_ns_ != 0 && started_ns + LimitNs(test, phase) + paused_ns > stop_at_ns_;
}

DeadlineJudgement TimeoutRules::AtDeadline(const DeadlineFacts& f) const {
  DeadlineJudgement j;
  // A result published before the deadline was read counts: the test
  // finished in time (the worker publishes before it moves `current` on).
  if (f.current_moved) return j;
  if (f.names_a_test && !f.test_open && !f.rechecked) {
    // Its result just came in and the worker is about to move `current`
    // on. Still this word at the next look: it hangs after the test.
    j.action = DeadlineAction::kLookAgain;
    return j;
  }
  j.action = DeadlineAction::kTimedOut;
  const bool in_test = f.phase == WorkerPhase::kTest || f.phase == WorkerPhase::kSuiteSetUp;
  j.blames_test = in_test && f.names_a_test && f.test_open;
  return j;
}

AttemptBook::AttemptBook(size_t tests, AttemptRules rules)
    : rules_(rules),
      attempts_(rules.retries > 0 ? tests : 0, 0),
      earlier_(rules.retries > 0 ? tests : 0),
      samples_(rules.repeat_each > 1 ? tests : 0) {}

AttemptAction AttemptBook::Judge(uint32_t test, TestResult& result, bool may_run_again) {
  if (test < samples_.size() && result.outcome == Outcome::kPassed) {
    std::vector<uint64_t>& samples = samples_[test];
    samples.push_back(result.duration_ns);
    if (samples.size() < static_cast<size_t>(rules_.repeat_each) && may_run_again) {
      return AttemptAction::kRepeat;
    }
    result.duration_ns = SpreadOf(samples).median_ns;
    result.samples_ns = std::move(samples);
  }
  if (rules_.retries > 0 && test < attempts_.size() && result.outcome != Outcome::kNotRun) {
    const uint32_t attempt = ++attempts_[test];
    result.attempts = attempt;
    const bool retried =
        rules_.timeouts_only ? result.outcome == Outcome::kTimedOut : IsFailure(result.outcome);
    if (retried && attempt <= static_cast<uint32_t>(rules_.retries) && may_run_again) {
      earlier_[test].push_back(
          {result.outcome, result.message, result.output, result.duration_ns, result.worker});
      return AttemptAction::kRetry;
    }
    if (attempt > 1) {
      result.earlier = std::move(earlier_[test]);
      result.flaky = !IsFailure(result.outcome);
      if (result.flaky && rules_.flaky_fails) {
        result.outcome = Outcome::kFailed;
        result.message = "flaky (--flaky-fails): passed on attempt " + std::to_string(attempt) +
                         " after failing\n" + result.message;
      }
    }
  }
  if (rules_.stop_on_failure && IsFailure(result.outcome)) stop_requested_ = true;
  return AttemptAction::kRecord;
}

StopRules::Interrupt StopRules::Interrupted(uint64_t now_ns, bool stopping) {
  if (draining_ || interrupt_grace_ns_ == 0 || stopping) return Interrupt::kStopNow;
  draining_ = true;
  drain_deadline_ns_ = now_ns + interrupt_grace_ns_;
  return Interrupt::kDrain;
}

bool StopRules::ExitGraceOver(uint64_t now_ns) {
  if (exit_deadline_ns_ == 0) {
    exit_deadline_ns_ = now_ns + exit_grace_ns_;
    return false;
  }
  return now_ns >= exit_deadline_ns_;
}

void StopRules::Paused(uint64_t ns) {
  if (exit_deadline_ns_ != 0) exit_deadline_ns_ += ns;
  if (drain_deadline_ns_ != 0) drain_deadline_ns_ += ns;
}

bool SerialPhaseDue(bool begun, size_t serial_tests, uint32_t live_workers, size_t finished,
                    size_t tests) {
  if (begun || serial_tests == 0 || live_workers > 0) return false;
  return finished + serial_tests >= tests;
}

bool ShouldStartWorker(const SlotFacts& slot, uint32_t slot_index, bool serial_phase,
                       uint32_t live_workers, bool nobody_was_left, uint64_t queued,
                       uint32_t* spare) {
  if (slot.live || (serial_phase && slot_index > 0)) return false;
  if (slot.retry_later && live_workers > 0) return false;  // failed to start lately
  if (!slot.own_work && !(nobody_was_left && queued > 0) && *spare == 0) return false;
  if (!slot.own_work && *spare > 0) --*spare;
  return true;
}

uint32_t BatchSize(double mean_test_ns, double batch_time_ns, uint32_t max_batch,
                   uint32_t first_batch, uint64_t own_queued) {
  if (mean_test_ns <= 0) return std::max<uint32_t>(first_batch, 1);
  const double most = static_cast<double>(std::max(max_batch, 1u));
  const double filled = batch_time_ns / mean_test_ns;
  const double half_own = static_cast<double>((own_queued + 1) / 2);
  return static_cast<uint32_t>(std::clamp(std::max(filled, half_own), 1.0, most));
}

double ContendedBatchTimeNs(double batch_time_ns, uint32_t workers, int usable_cpus) {
  if (usable_cpus <= 0) return batch_time_ns;
  return batch_time_ns * std::max(1.0, static_cast<double>(workers) / usable_cpus);
}

uint64_t LongTestAt(uint64_t started_ns, uint64_t paused_ns, double mean_finished_ns) {
  const double after = std::max(static_cast<double>(kLongTestFloorNs),
                                kLongTestMeans * std::max(mean_finished_ns, 0.0));
  return started_ns + paused_ns + static_cast<uint64_t>(std::min(after, 1e18));
}

bool TakesAnotherBatch(bool stop_requested, bool restart_after_batch, bool took_one) {
  return !stop_requested && !(restart_after_batch && took_one);
}

bool BinaryDied(const ProcessEnd& end, bool crashed_in_test) {
  return crashed_in_test || end.signaled || end.code > 1;
}

AfterLaunch LaunchBook::Judge(uint32_t binary, const LaunchEnd& end) {
  if (end.ran_any) without_a_test_[binary] = 0;
  if (!end.tests_left) return AfterLaunch::kDone;
  if (!end.ran_any && end.shim_fork_failed) return AfterLaunch::kShortage;
  if (!end.ran_any) {
    // A crash at start-up, a failed global environment, or a binary that
    // is not what it was when listed.
    return ++without_a_test_[binary] < max_without_a_test_ ? AfterLaunch::kTryAgain
                                                           : AfterLaunch::kFailNothingRan;
  }
  return end.died ? AfterLaunch::kGiveBackRest : AfterLaunch::kFailRest;
}

int LaunchBook::without_a_test(uint32_t binary) const {
  const auto it = without_a_test_.find(binary);
  return it == without_a_test_.end() ? 0 : it->second;
}

ShortageBackoff::Decision ShortageBackoff::Refused(uint64_t now_ns, bool got_through) {
  if (got_through || refused_ == 0) short_since_ns_ = now_ns;
  ++refused_;
  Decision d;
  d.short_for_ns = now_ns - short_since_ns_;
  d.fail = d.short_for_ns >= limit_ns_;
  if (!d.fail) d.pause_ms = std::min(10 << std::min(refused_ - 1, 6), 500);
  return d;
}

Verdict CrashedInWorker(const ProcessEnd& end, WorkerPhase phase) {
  Verdict v;
  const std::string where = phase == WorkerPhase::kSuiteSetUp ? " in SetUpTestSuite()" : "";
  v.message = "crashed" + where + ": " + DescribeEnd(end);
  if (!end.signaled) v.message += " (the process exited during the test)";
  if (end.signaled) v.signal = SignalName(end.code);
  return v;
}

Verdict TimedOutInWorker(double limit_s, const std::string& source, WorkerPhase phase,
                         bool wanted_backtrace, bool got_backtrace) {
  Verdict v;
  v.outcome = Outcome::kTimedOut;
  const std::string where = phase == WorkerPhase::kSuiteSetUp ? " in SetUpTestSuite()" : "";
  v.message = "timed out" + where + ": still running after " + Seconds(limit_s) + " " + source +
              "; the worker was killed";
  if (wanted_backtrace && !got_backtrace) {
    v.message +=
        "; no backtrace: the test kept the worker from taking the dump signal (it blocks or "
        "ignores signals, or handles them itself)";
  }
  return v;
}

std::string BinaryEndedInTest(const ProcessEnd& end, std::string_view note) {
  return note.empty() ? "crashed: the test binary ended during the test: " + DescribeEnd(end)
                      : "crashed: " + std::string(note);
}

}  // namespace mprun::core
