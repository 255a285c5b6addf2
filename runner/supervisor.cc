#include "runner/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "runner/worker.h"
#include "shm/recovery.h"

namespace mprun::runner {

namespace {

using core::Outcome;
using shm::WorkerPhase;

const char* PhaseWords(uint32_t phase, bool driver) {
  switch (static_cast<WorkerPhase>(phase)) {
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

}  // namespace

Supervisor::Supervisor(shm::Segment& segment, shm::Doorbell& bell, WorkerLauncher& launcher,
                       const core::RunInfo& run, core::Ledger& ledger,
                       std::vector<core::Reporter*> reporters, SupervisorOptions options,
                       std::function<uint64_t()> now_ns)
    : seg_(segment),
      bell_(bell),
      launcher_(launcher),
      run_(run),
      ledger_(ledger),
      reporters_(std::move(reporters)),
      opt_(std::move(options)),
      now_ns_(std::move(now_ns)),
      workers_(segment.workers()),
      retry_launch_at_(segment.workers(), 0),
      serial_(ledger.size(), false),
      attempts_(opt_.retries > 0 ? ledger.size() : 0, 0),
      earlier_(opt_.retries > 0 ? ledger.size() : 0),
      samples_(opt_.repeat_each > 1 ? ledger.size() : 0) {
  for (uint32_t item : opt_.serial_items) {
    for (uint32_t t = item; t < seg_.UnitEnd(item); ++t) {
      serial_[t] = true;
      ++serial_count_;
    }
  }
}

bool Supervisor::Settled(uint32_t test) const {
  return ledger_.Finished(test) || (serial_[test] && !serial_phase_);
}

bool Supervisor::QueueSerialPhase() {
  // Serial tests run with nothing else running: only after every other test
  // has its result and every worker has left, and then by worker 0 alone.
  if (serial_phase_ || serial_count_ == 0 || live_workers() > 0) return false;
  if (ledger_.finished() + serial_count_ < ledger_.size()) return false;
  serial_phase_ = true;
  seg_.deque(0).Reset();
  seg_.deque(0).PushBack(opt_.serial_items);
  return true;
}

uint32_t Supervisor::live_workers() const {
  return static_cast<uint32_t>(
      std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return w.live; }));
}

bool Supervisor::Start() {
  start_ns_ = now_ns_();
  for (core::Reporter* r : reporters_) r->OnRunStart(run_);
  if (ledger_.Complete()) return true;  // nothing selected
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (seg_.deque(s).SizeGuess() > 0) Launch(s);
    if (stopping_) return false;
  }
  EnsureWorkers();  // e.g. only serial tests
  return !stopping_;
}

bool Supervisor::Launch(uint32_t slot) {
  Worker& w = workers_[slot];
  w = Worker{};
  w.lease = next_lease_++;
  shm::WorkerSlot& s = seg_.slot(slot);
  // relaxed: no process uses the slot now; fork orders these stores.
  s.current.store(shm::kIdleCurrent, std::memory_order_relaxed);
  s.state.store(static_cast<uint32_t>(shm::WorkerState::kEmpty), std::memory_order_relaxed);
  s.phase.store(static_cast<uint32_t>(WorkerPhase::kIdle), std::memory_order_relaxed);
  s.timeout.store(shm::kTimeoutNone, std::memory_order_relaxed);
  s.steals.store(0, std::memory_order_relaxed);
  s.child_group.store(0, std::memory_order_relaxed);
  s.lease.store(w.lease, std::memory_order_relaxed);
  shm::RingConsumer(seg_.ring(slot)).Reset();
  std::string err;
  if (!launcher_.Launch(slot, w.lease, &w.proc, &err)) {
    RecoverFailedLaunch(slot);
    if (live_workers() == 0) {
      summary_.errors.push_back("cannot start worker " + std::to_string(slot) + ": " + err);
      Fatal("no worker process could be started: " + err);
      return false;
    }
    // Out of processes or file descriptors: the others take this slot's
    // tests (they steal), and the slot is tried again a second later. Said
    // once, as a warning: the run is slower, not wrong.
    if (!launch_warned_) {
      launch_warned_ = true;
      summary_.warnings.push_back("could not start worker " + std::to_string(slot) + " (" + err +
                                  "); the run went on with fewer workers");
    }
    retry_launch_at_[slot] = now_ns_() + 1'000'000'000;
    return false;
  }
  retry_launch_at_[slot] = 0;
  w.live = true;
  w.launched_ns = now_ns_();
  ++launches_;
  for (core::Reporter* r : reporters_)
    r->OnWorkerStarted(static_cast<int>(slot), w.launched_ns - start_ns_);
  return true;
}

void Supervisor::RecoverFailedLaunch(uint32_t slot) {
  // A launch can fail after its fork (the launcher then kills the child):
  // the child may have taken tests, published results, or died with tests
  // in flight. Recovered as after any death, blaming no test: the kill was
  // mprun's, so a test it was inside runs again.
  Drain(slot);
  RequeueWhatWasHeld(slot, shm::kNoTest, /*died=*/true);
}

void Supervisor::RequeueWhatWasHeld(uint32_t slot, uint32_t running, bool died) {
  auto finished = [this](uint32_t t) { return Settled(t); };
  std::vector<uint32_t> back =
      shm::ReclaimDeadLease(seg_.claims(), workers_[slot].lease, running, finished);
  if (died) {
    // Only a process that died can have left tests in flight (taken from a
    // deque, not yet claimed).
    std::vector<uint32_t> lost = shm::SweepLostTests(seg_, finished);
    back.insert(back.end(), lost.begin(), lost.end());
  }
  if (!back.empty() && !Draining()) shm::Requeue(seg_, slot, back);
}

bool Supervisor::RunAgain(uint32_t test, uint32_t lease) {
  if (Draining() || stop_requested_ || lease == 0) return false;
  shm::ClaimTable claims = seg_.claims();
  if (claims.Holder(test) != lease ||
      !claims.Reclaim(test, claims.Word(test), shm::kSupervisorLease)) {
    return false;
  }
  // From the supervisor's deque: whichever worker is free next takes it.
  shm::Requeue(seg_, seg_.supervisor_deque(), std::vector<uint32_t>{test});
  return true;
}

void Supervisor::Report(uint32_t test, core::TestResult result, uint32_t lease) {
  if (test < samples_.size() && result.outcome == Outcome::kPassed) {
    std::vector<uint64_t>& samples = samples_[test];
    samples.push_back(result.duration_ns);
    if (samples.size() < static_cast<size_t>(opt_.repeat_each) && RunAgain(test, lease)) return;
    result.duration_ns = core::SpreadOf(samples).median_ns;
    result.samples_ns = std::move(samples);
  }
  if (opt_.retries > 0 && test < attempts_.size() && result.outcome != Outcome::kNotRun) {
    const uint32_t attempt = ++attempts_[test];
    result.attempts = attempt;
    if (core::IsFailure(result.outcome) && attempt <= static_cast<uint32_t>(opt_.retries) &&
        RunAgain(test, lease)) {
      for (core::Reporter* r : reporters_) r->OnTestRetried(run_, test, result);
      earlier_[test].push_back(
          {result.outcome, result.message, result.output, result.duration_ns, result.worker});
      return;
    }
    if (attempt > 1) {
      result.earlier = std::move(earlier_[test]);
      result.flaky = !core::IsFailure(result.outcome);
      if (result.flaky && opt_.flaky_fails) {
        result.outcome = Outcome::kFailed;
        result.message = "flaky (--flaky-fails): passed on attempt " + std::to_string(attempt) +
                         " after failing\n" + result.message;
      }
    }
  }
  if (opt_.stop_on_failure && core::IsFailure(result.outcome)) stop_requested_ = true;
  if (!ledger_.Record(test, std::move(result))) return;
  for (core::Reporter* r : reporters_) r->OnTestFinished(run_, test, ledger_.Get(test));
}

std::string Supervisor::ReadOutput(const Worker& w, uint64_t begin, uint64_t end,
                                   uint64_t* dropped) const {
  *dropped = 0;
  if (w.proc.output_fd < 0) return {};
  if (end == UINT64_MAX) {  // up to what the worker (and its children) wrote last
    const off_t at = lseek(w.proc.output_fd, 0, SEEK_CUR);
    end = at >= 0 ? static_cast<uint64_t>(at) : begin;
  }
  if (end <= begin) return {};
  if (end - begin > opt_.max_output_bytes) {
    *dropped = end - begin - opt_.max_output_bytes;
    begin = end - opt_.max_output_bytes;
  }
  std::string out(end - begin, '\0');
  const ssize_t n = pread(w.proc.output_fd, out.data(), out.size(), static_cast<off_t>(begin));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

void Supervisor::OnRecord(uint32_t slot, const shm::ResultRecord& r, std::string_view text) {
  Worker& w = workers_[slot];
  ++w.records;
  barren_deaths_ = 0;
  launch_deaths_in_a_row_ = 0;
  if (r.kind == static_cast<uint8_t>(shm::RecordKind::kRunError)) {
    summary_.errors.push_back(std::string(text) + "(worker " + std::to_string(slot) + ")");
    return;
  }
  if (w.timeout_word != 0 && r.test == w.timed_out_test) {
    // The test finished after its deadline (a handled signal ended its
    // sleep, read or poll; the dump signal's handler was its own): the
    // verdict timed_out stands.
    ++summary_.late_results_dropped;
    return;
  }
  core::Outcome outcome;
  // A record is trusted only for a test this worker's lease holds.
  if (r.test >= ledger_.size() || !core::OutcomeFromByte(r.outcome, &outcome) ||
      seg_.claims().Holder(r.test) != w.lease) {
    summary_.errors.push_back("worker " + std::to_string(slot) +
                              " sent a result that does not match its tests (ignored)");
    return;
  }
  core::TestResult result;
  result.outcome = outcome;
  result.start_ns = r.start_ns > start_ns_ ? r.start_ns - start_ns_ : 0;
  result.duration_ns = r.duration_ns;
  result.worker = static_cast<int>(slot);
  result.attempts = r.attempt;
  result.message = std::string(text);
  if (r.signal > 0 && r.signal < 128) result.signal = core::SignalName(static_cast<int>(r.signal));
  if (r.flags & shm::kRecordTextTruncated) {
    result.message += "\n[... message cut at " + std::to_string(r.text_len) + " of " +
                      std::to_string(r.text_full_len) + " bytes ...]\n";
  }
  if (outcome != Outcome::kPassed || opt_.keep_passing_output) {
    result.output = ReadOutput(w, r.output_begin, r.output_end, &result.output_dropped);
  }
  w.output_consumed = std::max(w.output_consumed, r.output_end);
  Report(r.test, std::move(result), w.lease);
}

void Supervisor::Drain(uint32_t slot) {
  shm::RingConsumer ring(seg_.ring(slot));
  ring.Drain([&](const shm::ResultRecord& r, std::string_view text) { OnRecord(slot, r, text); });
}

void Supervisor::DrainAll() {
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (workers_[s].live) Drain(s);
  }
}

void Supervisor::BlameRunning(uint32_t slot, uint64_t packed, const core::ProcessEnd& end,
                              uint32_t phase, bool timed_out) {
  Worker& w = workers_[slot];
  const uint32_t test = shm::CurrentTest(packed);
  core::TestResult result;
  result.worker = static_cast<int>(slot);
  const uint64_t started_ns = shm::CurrentStartMicros(packed) * 1000;
  result.start_ns = started_ns > start_ns_ ? started_ns - start_ns_ : 0;
  const uint64_t now = now_ns_();
  result.duration_ns = now > started_ns ? now - started_ns : 0;
  const std::string where =
      phase == static_cast<uint32_t>(WorkerPhase::kSuiteSetUp) ? " in SetUpTestSuite()" : "";
  if (timed_out) {
    result.outcome = Outcome::kTimedOut;
    result.message = "timed out" + where + ": still running after " + Seconds(opt_.timeout_s) +
                     " (--process-timeout); the worker was killed";
    if (opt_.dump_grace_ms > 0 &&
        seg_.slot(slot).timeout.load(std::memory_order_acquire) != shm::kTimeoutDumped) {
      result.message += "; no backtrace: the test kept the worker from taking the dump signal" +
                        std::string(" (it blocks or ignores signals, or handles them itself)");
    }
  } else {
    result.outcome = Outcome::kCrashed;
    result.message = "crashed" + where + ": " + core::DescribeEnd(end);
    if (!end.signaled) result.message += " (the process exited during the test)";
    if (end.signaled) result.signal = core::SignalName(end.code);
  }
  result.output = ReadOutput(w, w.output_consumed, UINT64_MAX, &result.output_dropped);
  Report(test, std::move(result), w.lease);
}

void Supervisor::NoteDeathOutsideTests(uint32_t slot, const core::ProcessEnd& end, uint32_t phase,
                                       uint32_t last_test) {
  const Worker& w = workers_[slot];
  std::string what = "worker " + std::to_string(slot) + " ";
  what += w.killed_for_timeout ? "hung for more than " + Seconds(opt_.timeout_s)
                               : "died (" + core::DescribeEnd(end) + ")";
  what += " ";
  what += PhaseWords(phase, opt_.driver_launches);
  if (last_test < run_.tests.size()) what += ", after " + run_.tests[last_test].FullName();
  uint64_t dropped;
  const std::string output = ReadOutput(w, w.output_consumed, UINT64_MAX, &dropped);
  // Driver mode: a worker that got as far as launching its binary works (a
  // binary cannot kill it: it runs under a shim in a group of its own), so
  // such a death came from outside (the OOM killer, a user): its batch is
  // run again, it is no run error, and only ten in a row end the run.
  const bool launching =
      opt_.driver_launches && phase == static_cast<uint32_t>(WorkerPhase::kEnvironmentSetUp);
  if (w.records > 0) {
    barren_deaths_ = launch_deaths_in_a_row_ = 0;
    if (!launching) {
      summary_.errors.push_back(what + (output.empty() ? "" : "; its last output:\n" + output));
    }
    return;
  }
  if (launching ? ++launch_deaths_in_a_row_ >= 10 : ++barren_deaths_ >= opt_.max_barren_deaths) {
    if (launching) barren_deaths_ = launch_deaths_in_a_row_;
    Fatal("workers keep dying before running any test (" + std::to_string(barren_deaths_) +
          " in a row); the last: " + what + (output.empty() ? "" : "; its output:\n" + output));
  }
}

void Supervisor::HandleExit(uint32_t slot) {
  Worker& w = workers_[slot];
  // Kill what the worker left in its group (tests' lingering children)
  // while its unreaped pid still reserves the group id.
  launcher_.KillGroup(w.proc);
  const core::ProcessEnd end = launcher_.Reap(&w.proc);
  Drain(slot);  // everything it published before dying
  w.live = false;
  shm::WorkerSlot& s = seg_.slot(slot);
  const uint64_t packed = s.current.load(std::memory_order_acquire);
  const uint32_t phase = s.phase.load(std::memory_order_relaxed);
  const bool done =
      s.state.load(std::memory_order_acquire) == static_cast<uint32_t>(shm::WorkerState::kDone);
  const bool normal = !end.signaled && end.code == 0 && done && !w.killed_by_stop;
  shm::ClaimTable claims = seg_.claims();
  uint32_t running = shm::CurrentTest(packed);
  const bool running_is_ours =
      running < ledger_.size() && !ledger_.Finished(running) && claims.Holder(running) == w.lease;
  const bool in_environment = phase == static_cast<uint32_t>(WorkerPhase::kEnvironmentSetUp);
  if (w.timeout_word != 0) {
    // Decided at the deadline; how the worker then ended (killed, ended
    // itself after its backtrace, or left normally after a test took the
    // dump signal for its own) changes nothing. What it ran since goes back.
    running = w.timed_out_test;
    if (running != shm::kNoTest && !ledger_.Finished(running) &&
        claims.Holder(running) == w.lease) {
      BlameRunning(slot, w.timeout_word, end, w.timeout_phase, /*timed_out=*/true);
    } else {
      running = shm::kNoTest;
      NoteDeathOutsideTests(slot, end, w.timeout_phase, shm::CurrentTest(w.timeout_word));
    }
  } else if (!normal && !w.killed_by_stop) {
    // A worker killed while it started (its environments' SetUp ran out of
    // time) was not inside a test.
    if (running_is_ours && !w.killed_for_timeout && !in_environment) {
      BlameRunning(slot, packed, end, phase, /*timed_out=*/false);
    } else {
      NoteDeathOutsideTests(slot, end, phase, running);
    }
  }
  if (w.timeout_word == 0 && (!running_is_ours || w.killed_for_timeout || in_environment)) {
    running = shm::kNoTest;
  }
  RequeueWhatWasHeld(slot, running, !normal);
  if (w.proc.output_fd >= 0) close(w.proc.output_fd);
  w.proc.output_fd = -1;
  s.state.store(static_cast<uint32_t>(shm::WorkerState::kEmpty), std::memory_order_relaxed);
  if (opt_.on_worker_ended) opt_.on_worker_ended(slot, w.lease);
  const uint64_t now = now_ns_();
  for (core::Reporter* r : reporters_) {
    r->OnWorkerEnded(static_cast<int>(slot), end, normal, now > start_ns_ ? now - start_ns_ : 0);
  }
}

void Supervisor::HandBack(uint32_t slot) {
  // The worker is inside a long test; what it holds but has not started
  // would wait behind it. Take those back (a claim without kStartedBit) and
  // queue them on the supervisor's deque for whoever is free.
  const uint32_t lease = workers_[slot].lease;
  shm::ClaimTable claims = seg_.claims();
  std::vector<uint32_t> back;
  for (uint32_t t = 0; t < claims.size(); ++t) {
    if (claims.Word(t) == lease && !ledger_.Finished(t) &&
        claims.Reclaim(t, lease, shm::kSupervisorLease)) {
      back.push_back(t);
    }
  }
  if (!back.empty()) shm::Requeue(seg_, seg_.supervisor_deque(), back);
}

void Supervisor::CheckTimeouts(uint64_t now, uint64_t* next_event) {
  // Without a time limit the deadlines below are never reached, but long
  // tests still hand their batch-mates back.
  const uint64_t limit =
      opt_.timeout_s > 0 ? static_cast<uint64_t>(opt_.timeout_s * 1e9) : UINT64_MAX / 4;
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    Worker& w = workers_[slot];
    if (!w.live || w.killed_for_timeout || w.killed_by_stop) continue;
    shm::WorkerSlot& s = seg_.slot(slot);
    // A worker still starting (its global environments' SetUp) is held to
    // the same limit as a test.
    if (s.state.load(std::memory_order_acquire) <=
        static_cast<uint32_t>(shm::WorkerState::kStarting)) {
      if (now >= w.launched_ns + limit) {
        launcher_.KillGroup(w.proc);
        w.killed_for_timeout = true;
      } else {
        *next_event = std::min(*next_event, w.launched_ns + limit);
      }
      continue;
    }
    if (w.timeout_word != 0) {
      // Decided: the kill follows the backtrace, or the end of its grace
      // (the test blocks, ignores or handles the dump signal itself).
      // acquire: pairs with the handler's release after the backtrace.
      if (s.timeout.load(std::memory_order_acquire) == shm::kTimeoutDumped || now >= w.kill_at_ns) {
        launcher_.KillGroup(w.proc);
        w.killed_for_timeout = true;
      } else {
        *next_event = std::min(*next_event, w.kill_at_ns);
      }
      continue;
    }
    // acquire: pairs with the worker's release of `current`.
    const uint64_t packed = s.current.load(std::memory_order_acquire);
    if (shm::CurrentTest(packed) == shm::kNoTest) continue;
    const uint64_t started = shm::CurrentStartMicros(packed) * 1000;
    const uint64_t hand_back_at =
        started + static_cast<uint64_t>(opt_.hand_back_after_ms) * 1'000'000;
    if (w.gave_back_for != packed) {
      if (now >= hand_back_at) {
        HandBack(slot);
        w.gave_back_for = packed;
      } else {
        *next_event = std::min(*next_event, hand_back_at);
      }
    }
    const uint64_t deadline = started + limit + (w.paused_word == packed ? w.paused_ns : 0);
    if (now >= deadline) {
      DecideTimeout(slot, packed, now, next_event);
    } else {
      *next_event = std::min(*next_event, deadline);
    }
  }
}

void Supervisor::DecideTimeout(uint32_t slot, uint64_t packed, uint64_t now, uint64_t* next_event) {
  Worker& w = workers_[slot];
  shm::WorkerSlot& s = seg_.slot(slot);
  // A result published before now counts: the test finished in time. The
  // worker publishes before it moves `current` on, so after this drain an
  // unchanged word means the test has no result yet.
  Drain(slot);
  // acquire: as above.
  if (s.current.load(std::memory_order_acquire) != packed) {
    *next_event = now;  // it moved on: the new word is judged at once
    return;
  }
  const uint32_t test = shm::CurrentTest(packed);
  const uint32_t phase = s.phase.load(std::memory_order_relaxed);
  const bool in_test = phase == static_cast<uint32_t>(WorkerPhase::kTest) ||
                       phase == static_cast<uint32_t>(WorkerPhase::kSuiteSetUp);
  if (test < ledger_.size() && (ledger_.Finished(test) || seg_.claims().Holder(test) != w.lease) &&
      w.recheck_word != packed) {
    // Its result just came in and the worker is about to move `current` on
    // (the phase read may already be the next one's). Still this word at
    // the next look: the worker hangs after the test (its teardown).
    w.recheck_word = packed;
    *next_event = std::min(*next_event, now + 1'000'000);
    return;
  }
  w.timeout_word = packed;
  w.timeout_phase = phase;
  w.timed_out_test = in_test && test < ledger_.size() && !ledger_.Finished(test) &&
                             seg_.claims().Holder(test) == w.lease
                         ? test
                         : shm::kNoTest;
  // release: the worker reads it (acquire) before it starts any test; the
  // dump signal below is sent after it.
  s.timeout.store(shm::kTimeoutDecided, std::memory_order_release);
  for (core::Reporter* r : reporters_) {
    r->OnTimeout(static_cast<int>(slot), test, now - start_ns_);
  }
  if (opt_.dump_grace_ms <= 0) {  // no backtrace wanted (driver mode): kill now
    launcher_.KillGroup(w.proc);
    w.killed_for_timeout = true;
    return;
  }
  w.kill_at_ns = now + static_cast<uint64_t>(opt_.dump_grace_ms) * 1'000'000;
  launcher_.SignalWorker(w.proc, TimeoutDumpSignal());
  *next_event = std::min(*next_event, w.kill_at_ns);
}

void Supervisor::EnsureWorkers() {
  if (Draining() || ledger_.Complete()) return;
  if (QueueSerialPhase()) {
    const uint64_t at = now_ns_() - start_ns_;
    for (core::Reporter* r : reporters_) r->OnQuietPhase(at);
  }
  uint64_t queued = 0;
  for (uint32_t d = 0; d < seg_.deques(); ++d) queued += seg_.deque(d).SizeGuess();
  if (queued == 0 && live_workers() == 0) {
    // Nobody is left and nothing is queued, yet tests have no result: they
    // are in flight from a worker that died unseen, or lost. Sweep them up.
    std::vector<uint32_t> lost =
        shm::SweepLostTests(seg_, [this](uint32_t t) { return Settled(t); });
    if (!lost.empty()) shm::Requeue(seg_, 0, lost);
    queued = lost.size();
    if (queued == 0) {
      Complete("never run: mprun lost track of this test (please report this)");
      summary_.errors.push_back("some tests were never run; mprun lost track of them");
      return;
    }
  }
  // A worker that left normally found no work anywhere, so a slot gets a new
  // process only when work was queued on it (a dead worker's tests, or the
  // rest of a batch in restart mode), or when nobody is left to steal.
  const bool nobody_left = live_workers() == 0;
  // Tests on the supervisor's deque (handed back, or to run again) get an
  // idle slot's worker each, up to their number.
  uint32_t spare = seg_.deque(seg_.supervisor_deque()).SizeGuess();
  const uint64_t now = now_ns_();
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (workers_[s].live || (serial_phase_ && s > 0)) continue;
    if (retry_launch_at_[s] > now && live_workers() > 0) continue;  // failed to start lately
    const bool own = seg_.deque(s).SizeGuess() > 0;
    if (own || (nobody_left && queued > 0) || spare > 0) {
      if (!own && spare > 0) --spare;
      Launch(s);
    }
    if (stopping_) return;
  }
}

void Supervisor::Complete(const std::string& test_message) {
  for (uint32_t t = 0; t < ledger_.size(); ++t) {
    if (ledger_.Finished(t)) continue;
    core::TestResult r;
    r.outcome = Outcome::kNotRun;
    r.message = test_message;
    Report(t, std::move(r));
  }
}

void Supervisor::StopAll(const std::string& why) {
  stopping_ = true;
  // release: workers check it before taking more tests.
  seg_.header().stop.store(1, std::memory_order_release);
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    Worker& w = workers_[slot];
    if (!w.live) continue;
    w.killed_by_stop = true;
    launcher_.KillGroup(w.proc);
    HandleExit(slot);
  }
  Complete(why);
}

void Supervisor::Fatal(const std::string& message) {
  summary_.setup_error = true;
  summary_.errors.push_back(message);
  StopAll("not run: the run stopped (see the error above)");
}

void Supervisor::Interrupt(const std::string& why) {
  summary_.interrupted = true;
  if (draining_ || opt_.interrupt_grace_ms <= 0 || stopping_) {
    if (draining_ && !stopping_)
      std::fprintf(stderr, "mprun: %s again: stopping now\n", why.c_str());
    StopAll("not run: " + (draining_ ? drain_why_ : why));
    return;
  }
  draining_ = true;
  drain_why_ = why;
  // release: workers check it before starting another test.
  seg_.header().stop.store(1, std::memory_order_release);
  drain_deadline_ns_ = now_ns_() + static_cast<uint64_t>(opt_.interrupt_grace_ms) * 1'000'000;
  uint32_t running = 0;
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    const uint64_t packed = seg_.slot(slot).current.load(std::memory_order_acquire);
    running += workers_[slot].live && shm::CurrentTest(packed) != shm::kNoTest;
  }
  std::fprintf(stderr,
               "\nmprun: %s: no new tests; %u running may finish within %gs (again to stop now)\n",
               why.c_str(), running, opt_.interrupt_grace_ms / 1000.0);
  if (live_workers() == 0) StopAll("not run: " + why);
}

void Supervisor::Suspend() {
  for (Worker& w : workers_) {
    if (w.live) launcher_.SignalGroup(w.proc, SIGSTOP);
  }
  // Driver mode: the binaries run in groups of their own. Their workers are
  // stopping, so none clears its group now and reaps (which could free the
  // id for a stranger) before the SIGCONT below.
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    // acquire: pairs with the worker's release when it set the group.
    const uint32_t group = seg_.slot(slot).child_group.load(std::memory_order_acquire);
    if (workers_[slot].live && group > 1) kill(-static_cast<pid_t>(group), SIGSTOP);
  }
  const uint64_t stopped_at = now_ns_();
  std::fflush(stdout);
  // SIGTSTP is blocked (it comes through the signalfd), so stop for real
  // with SIGSTOP; the shell's `fg` (SIGCONT) continues from here.
  raise(SIGSTOP);
  ResumeWorkers(now_ns_() - stopped_at);
}

void Supervisor::ResumeWorkers(uint64_t paused_ns) {
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    Worker& w = workers_[slot];
    if (!w.live) continue;
    // acquire: as in Suspend.
    const uint32_t group = seg_.slot(slot).child_group.load(std::memory_order_acquire);
    if (group > 1) kill(-static_cast<pid_t>(group), SIGCONT);
    launcher_.SignalGroup(w.proc, SIGCONT);
    // The time stopped does not count against the running test (nor a
    // starting worker, nor a pending kill after the dump signal).
    const uint64_t packed = seg_.slot(slot).current.load(std::memory_order_acquire);
    if (w.paused_word != packed) {
      w.paused_word = packed;
      w.paused_ns = 0;
    }
    w.paused_ns += paused_ns;
    w.launched_ns += paused_ns;
    if (w.kill_at_ns != 0) w.kill_at_ns += paused_ns;
  }
  if (exit_deadline_ns_ != 0) exit_deadline_ns_ += paused_ns;
  if (drain_deadline_ns_ != 0) drain_deadline_ns_ += paused_ns;
}

void Supervisor::Step(int max_wait_ms, int signal_fd) {
  uint64_t now = now_ns_();
  uint64_t next_event = now + static_cast<uint64_t>(std::max(max_wait_ms, 0)) * 1'000'000;
  CheckTimeouts(now, &next_event);

  std::vector<pollfd> fds;
  std::vector<uint32_t> fd_slot;
  fds.push_back({bell_.fd(), POLLIN, 0});
  fd_slot.push_back(UINT32_MAX);
  if (signal_fd >= 0) {
    fds.push_back({signal_fd, POLLIN, 0});
    fd_slot.push_back(UINT32_MAX - 1);
  }
  if (opt_.input_fd >= 0) {
    fds.push_back({opt_.input_fd, POLLIN, 0});
    fd_slot.push_back(UINT32_MAX - 2);
  }
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (!workers_[s].live) continue;
    fds.push_back({workers_[s].proc.wait_fd, POLLIN, 0});
    fd_slot.push_back(s);
  }
  bell_.PrepareToSleep();
  bool pending = false;
  for (uint32_t s = 0; s < workers_.size() && !pending; ++s) {
    pending = workers_[s].live && shm::RingConsumer(seg_.ring(s)).SizeGuess() > 0;
  }
  const int wait_ms =
      pending ? 0
              : static_cast<int>((next_event - std::min(next_event, now) + 999'999) / 1'000'000);
  const int ready = poll(fds.data(), fds.size(), wait_ms);
  bell_.WokeUp();

  bool status_requested = false;
  for (size_t i = 0; ready > 0 && i < fds.size(); ++i) {
    if (fd_slot[i] == UINT32_MAX - 1 && (fds[i].revents & POLLIN)) {
      signalfd_siginfo info;
      const ssize_t n = read(signal_fd, &info, sizeof info);
      const int sig = n == sizeof info ? static_cast<int>(info.ssi_signo) : SIGINT;
      if (sig == SIGUSR1) {
        status_requested = true;
      } else if (sig == SIGTSTP) {
        Suspend();
      } else if (sig == SIGCONT) {
        // Continued after a SIGSTOP mprun did not see coming (kill -STOP):
        // the workers may have been stopped with it (a job's whole group).
        ResumeWorkers(0);
      } else {
        Interrupt(std::string("interrupted by ") + core::SignalName(sig));
        if (stopping_) return;
      }
    } else if (fd_slot[i] == UINT32_MAX - 2 && fds[i].revents != 0) {
      char keys[64];
      const ssize_t n = read(opt_.input_fd, keys, sizeof keys);
      for (ssize_t k = 0; k < n; ++k) status_requested |= keys[k] == 't';
      if (n <= 0) opt_.input_fd = -1;  // end of input: stop listening
    }
  }
  if (status_requested) {
    const core::Progress progress = Snapshot(/*with_output=*/true);
    for (core::Reporter* r : reporters_) r->OnStatusRequest(run_, progress);
  }
  DrainAll();
  if (ready > 0) {
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fd_slot[i] >= workers_.size() || fds[i].revents == 0) continue;
      if (workers_[fd_slot[i]].live) HandleExit(fd_slot[i]);
      if (stopping_) return;
    }
  }
  if (stop_requested_ && !stopping_) {
    StopAll("not run: the run stopped at the first failure (--gtest_fail_fast / --stop)");
    return;
  }
  if (draining_ && !stopping_ && (live_workers() == 0 || now_ns_() >= drain_deadline_ns_)) {
    StopAll("not run: " + drain_why_);
    return;
  }
  EnsureWorkers();
  if (ledger_.Complete() && !stopping_) {
    // Every test has its result: workers finish their teardown and leave.
    seg_.header().stop.store(1, std::memory_order_release);
    now = now_ns_();
    if (exit_deadline_ns_ == 0) {
      exit_deadline_ns_ = now + static_cast<uint64_t>(opt_.exit_grace_ms) * 1'000'000;
    } else if (now >= exit_deadline_ns_ && live_workers() > 0) {
      summary_.errors.push_back("workers did not exit within " +
                                Seconds(opt_.exit_grace_ms / 1000.0) +
                                " after the last test (a global environment's TearDown() hung?)");
      for (uint32_t s = 0; s < workers_.size(); ++s) {
        if (!workers_[s].live) continue;
        workers_[s].killed_by_stop = true;
        launcher_.KillGroup(workers_[s].proc);
        HandleExit(s);
      }
    }
  }
  const core::Progress progress = Snapshot(/*with_output=*/false);
  for (core::Reporter* r : reporters_) r->OnTick(run_, ledger_, progress);
}

core::Progress Supervisor::Snapshot(bool with_output) const {
  core::Progress p;
  const uint64_t now = now_ns_();
  p.elapsed_ns = now > start_ns_ ? now - start_ns_ : 0;
  p.steals.resize(workers_.size());
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    const Worker& w = workers_[slot];
    shm::WorkerSlot& s = seg_.slot(slot);
    p.steals[slot] = s.steals.load(std::memory_order_relaxed);
    if (!w.live) continue;
    // acquire: pairs with the worker's release of `current`.
    const uint64_t packed = s.current.load(std::memory_order_acquire);
    const uint32_t test = shm::CurrentTest(packed);
    if (test >= ledger_.size() || ledger_.Finished(test)) continue;
    const uint64_t started = shm::CurrentStartMicros(packed) * 1000;
    core::RunningTest r{test, static_cast<int>(slot), now > started ? now - started : 0, ""};
    if (with_output) {
      uint64_t dropped;
      r.output = ReadOutput(w, w.output_consumed, UINT64_MAX, &dropped);
    }
    p.running.push_back(std::move(r));
  }
  return p;
}

void Supervisor::FailBeforeStart(const std::string& error) {
  start_ns_ = now_ns_();
  for (core::Reporter* r : reporters_) r->OnRunStart(run_);
  summary_.errors.push_back(error);
  stopping_ = true;
  Complete("not run: " + error);
}

bool Supervisor::Finished() const {
  return stopping_ || (ledger_.Complete() && live_workers() == 0);
}

void Supervisor::Finish() {
  Complete("not run");
  summary_.wall_seconds = static_cast<double>(now_ns_() - start_ns_) / 1e9;
  for (core::Reporter* r : reporters_) r->OnRunEnd(run_, ledger_, summary_);
}

core::RunSummary Supervisor::Run(int signal_fd) {
  if (Start()) {
    while (!Finished()) Step(opt_.tick_ms, signal_fd);
  }
  Finish();
  return summary_;
}

}  // namespace mprun::runner
