#include "runner/run/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "runner/worker/worker.h"
#include "shm/recovery.h"

namespace mprun::runner {

namespace {

// Units beside a long test queued on each side (CheckNeighbours): enough for
// a cluster of heavy cases, few enough to cost nothing when none is long.
constexpr uint32_t kNeighboursQueued = 8;

using core::Outcome;
using core::WorkerPhase;

WorkerPhase PhaseOf(uint32_t word) { return static_cast<WorkerPhase>(word); }

}  // namespace

Supervisor::Supervisor(shm::Segment& segment, shm::Doorbell& bell, Spawner& launcher,
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
      timeouts_(
          core::TimeLimits{opt_.timeout_s, opt_.test_limits_s, opt_.own_limits, opt_.auto_limits,
                           opt_.slow_after_s, opt_.dump_grace_ms, opt_.hand_back_after_ms,
                           opt_.driver_launches ? core::kLaunchStartFloorS : 0, opt_.stop_at_ns}),
      watch_(segment, timeouts_, opt_.neighbours_of != nullptr, *this),
      attempts_(ledger.size(), core::AttemptRules{opt_.retries, opt_.flaky_fails, opt_.repeat_each,
                                                  opt_.stop_on_failure, opt_.retry_timeouts_only}),
      stops_(opt_.interrupt_grace_ms, opt_.exit_grace_ms),
      give_up_(opt_.max_deaths_before_any_test),
      serial_(ledger.size(), false) {
  for (uint32_t item : opt_.serial_items) {
    for (uint32_t t = item; t < seg_.UnitEnd(item); ++t) {
      serial_[t] = true;
      ++serial_count_;
    }
  }
}

bool Supervisor::MustNotRequeue(uint32_t test) const {
  return ledger_.Finished(test) || (serial_[test] && !serial_phase_);
}

bool Supervisor::QueueSerialPhase() {
  // Serial tests run with nothing else running: only after every other test
  // has its result and every worker has left, and then by worker 0 alone.
  if (!core::SerialPhaseDue(serial_phase_, serial_count_, live_workers(), ledger_.finished(),
                            ledger_.size())) {
    return false;
  }
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
  // Nothing the slot's last worker was watched for applies to this one
  // (a failed launch's child may still publish a result, Drain()ed below).
  watch_.Reset(slot);
  w.lease = next_lease_++;
  shm::WorkerSlot& s = seg_.slot(slot);
  // relaxed: no process uses the slot now; fork orders these stores.
  // Starting from now, not from when the child gets to say so: a worker
  // that waits for the load (--test-load) while another is alive must see
  // this one at once.
  s.current.store(shm::kIdleCurrent, std::memory_order_relaxed);
  s.state.store(static_cast<uint32_t>(shm::WorkerState::kStarting), std::memory_order_relaxed);
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
  const uint64_t launched = now_ns_();
  watch_.Started(slot, launched);
  ++launches_;
  for (core::Reporter* r : reporters_)
    r->OnWorkerStarted(static_cast<int>(slot), launched - start_ns_);
  return true;
}

void Supervisor::RecoverFailedLaunch(uint32_t slot) {
  // A launch can fail after its fork (the launcher then kills the child):
  // the child may have taken tests, published results, or died with tests
  // in flight. Recovered as after any death, blaming no test: the kill was
  // mprun's, so a test it was inside runs again.
  Drain(slot);
  RequeueWhatWasHeld(slot, shm::kNoTest, /*died=*/true);
  // relaxed: as in HandleExit; nobody lives in the slot.
  seg_.slot(slot).state.store(static_cast<uint32_t>(shm::WorkerState::kEmpty),
                              std::memory_order_relaxed);
}

void Supervisor::RequeueWhatWasHeld(uint32_t slot, uint32_t running, bool died) {
  auto finished = [this](uint32_t t) { return MustNotRequeue(t); };
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

bool Supervisor::MayRunAgain(uint32_t test, uint32_t lease) const {
  return !Draining() && !attempts_.stop_requested() && lease != 0 &&
         seg_.claims().Holder(test) == lease;
}

bool Supervisor::RunAgain(uint32_t test) {
  shm::ClaimTable claims = seg_.claims();
  const uint32_t word = claims.Word(test);
  if (!claims.Reclaim(test, word, shm::kSupervisorLease)) return false;
  // From the supervisor's deque: whichever worker is free next takes it.
  if (shm::Requeue(seg_, seg_.supervisor_deque(), std::vector<uint32_t>{test})) return true;
  // No room (neighbour hints can fill the deque): this attempt is recorded
  // instead. Left with the supervisor's lease, in no deque, the test would
  // never be run nor swept up again.
  claims.Reclaim(test, shm::kSupervisorLease, word);
  return false;
}

void Supervisor::Report(uint32_t test, core::TestResult result, uint32_t lease) {
  const core::AttemptAction action =
      attempts_.Judge(test, result, test < ledger_.size() && MayRunAgain(test, lease));
  // The claim was this lease's a moment ago and the supervisor is the only
  // writer of a finished test's claim, so RunAgain's reclaim cannot fail;
  // its push can (no room on the deque), and then this attempt is recorded.
  if (action != core::AttemptAction::kRecord && RunAgain(test)) {
    if (action == core::AttemptAction::kRetry) {
      for (core::Reporter* r : reporters_) r->OnTestRetried(run_, test, result);
    }
    return;
  }
  if (result.outcome != core::Outcome::kNotRun) {
    finished_ns_ += static_cast<double>(result.duration_ns);
    ++finished_count_;
  }
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
  give_up_.Reported();
  if (r.kind == static_cast<uint8_t>(shm::RecordKind::kRunError)) {
    summary_.errors.push_back(std::string(text) + "(worker " + std::to_string(slot) + ")");
    return;
  }
  if (r.kind == static_cast<uint8_t>(shm::RecordKind::kProgramDisagrees)) {
    OnDisagreement(r, text);
    return;
  }
  if (watch_.timeout_word(slot) != 0 && r.test == watch_.timed_out_test(slot)) {
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
  if (r.flags & shm::kRecordSuiteSetUp) result.suite_set_up_ms = r.suite_set_up_us / 1e3;
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
  const uint64_t started_ns = shm::CurrentStartMicros(packed) * 1000;
  // A deadline the stop time set: the time the test had, and why.
  const bool cut = timeouts_.CutByStopTime(test, PhaseOf(phase), started_ns, 0);
  const double limit_s = cut ? static_cast<double>(timeouts_.stop_at_ns() - started_ns) / 1e9
                             : timeouts_.LimitS(test, PhaseOf(phase));
  const core::Verdict verdict =
      timed_out
          ? core::TimedOutInWorker(
                limit_s,
                cut ? "(the stop time, --stop-time)" : timeouts_.LimitSource(test, PhaseOf(phase)),
                PhaseOf(phase), timeouts_.wants_backtrace(),
                // acquire: pairs with the handler's release.
                seg_.slot(slot).timeout.load(std::memory_order_acquire) == shm::kTimeoutDumped)
          : core::CrashedInWorker(end, PhaseOf(phase));
  core::TestResult result;
  result.outcome = verdict.outcome;
  result.message = verdict.message;
  result.signal = verdict.signal;
  result.worker = static_cast<int>(slot);
  result.start_ns = started_ns > start_ns_ ? started_ns - start_ns_ : 0;
  const uint64_t now = now_ns_();
  result.duration_ns = now > started_ns ? now - started_ns : 0;
  result.output = ReadOutput(w, w.output_consumed, UINT64_MAX, &result.output_dropped);
  Report(test, std::move(result), w.lease);
}

void Supervisor::NoteDeathOutsideTests(uint32_t slot, const core::ProcessEnd& end, uint32_t phase,
                                       uint32_t last_test) {
  const Worker& w = workers_[slot];
  std::string what = "worker " + std::to_string(slot) + " ";
  what +=
      watch_.killed_for_timeout(slot)
          ? "hung for more than " + core::Seconds(timeouts_.LimitS(shm::kNoTest, PhaseOf(phase)))
          : "died (" + core::DescribeEnd(end) + ")";
  what += " ";
  what += core::PhaseWords(PhaseOf(phase), opt_.driver_launches);
  if (last_test < run_.tests.size()) what += ", after " + run_.tests[last_test].FullName();
  uint64_t dropped;
  const std::string output = ReadOutput(w, w.output_consumed, UINT64_MAX, &dropped);
  // Driver mode: a worker that got as far as launching its binary works (a
  // binary cannot kill it: it runs under a shim in a group of its own), so
  // such a death came from outside (the OOM killer, a user): its batch is
  // run again and it is no run error.
  const bool launching = opt_.driver_launches && PhaseOf(phase) == WorkerPhase::kEnvironmentSetUp;
  if (w.records > 0 && !launching) {
    summary_.errors.push_back(what + (output.empty() ? "" : "; its last output:\n" + output));
  }
  if (give_up_.DiedOutsideTests(w.records > 0, launching)) {
    Fatal("workers keep dying before running any test (" + std::to_string(give_up_.in_a_row()) +
          " in a row); the last: " + what + (output.empty() ? "" : "; its output:\n" + output));
  }
}

void Supervisor::HandleExit(uint32_t slot) {
  Worker& w = workers_[slot];
  // Kill what the worker left in its group (tests' lingering children)
  // while its unreaped pid still reserves the group id.
  launcher_.KillGroup(w.proc);
  core::WorkerExit exit;
  exit.end = launcher_.Reap(&w.proc);
  Drain(slot);  // everything it published before dying
  w.live = false;
  shm::WorkerSlot& s = seg_.slot(slot);
  // acquire: pairs with the worker's release of `current` and `state`.
  const uint64_t packed = s.current.load(std::memory_order_acquire);
  exit.said_done =
      s.state.load(std::memory_order_acquire) == static_cast<uint32_t>(shm::WorkerState::kDone);
  exit.killed_by_stop = w.killed_by_stop;
  exit.killed_for_timeout = watch_.killed_for_timeout(slot);
  exit.timeout_decided = watch_.timeout_word(slot) != 0;
  exit.timed_out_test_open = exit.timeout_decided && HeldOpen(slot, watch_.timed_out_test(slot));
  exit.running_open = HeldOpen(slot, shm::CurrentTest(packed));
  const uint32_t phase =
      exit.timeout_decided ? watch_.timeout_phase(slot) : s.phase.load(std::memory_order_relaxed);
  exit.phase = PhaseOf(phase);
  const core::ExitJudgement judged = core::JudgeWorkerExit(exit);
  const uint64_t blamed_word = exit.timeout_decided ? watch_.timeout_word(slot) : packed;
  switch (judged.verdict) {
    case core::ExitVerdict::kTimedOut:
    case core::ExitVerdict::kCrashed:
      BlameRunning(slot, blamed_word, exit.end, phase,
                   judged.verdict == core::ExitVerdict::kTimedOut);
      break;
    case core::ExitVerdict::kDiedOutsideTest:
      NoteDeathOutsideTests(slot, exit.end, phase, shm::CurrentTest(blamed_word));
      break;
    case core::ExitVerdict::kNoBlame:
      break;
  }
  RequeueWhatWasHeld(slot, judged.keep_running ? shm::CurrentTest(blamed_word) : shm::kNoTest,
                     judged.died);
  if (w.proc.output_fd >= 0) close(w.proc.output_fd);
  w.proc.output_fd = -1;
  s.state.store(static_cast<uint32_t>(shm::WorkerState::kEmpty), std::memory_order_relaxed);
  if (opt_.on_worker_ended) opt_.on_worker_ended(slot, w.lease);
  const uint64_t now = now_ns_();
  for (core::Reporter* r : reporters_) {
    r->OnWorkerEnded(static_cast<int>(slot), exit.end, !judged.died,
                     now > start_ns_ ? now - start_ns_ : 0);
  }
}

bool Supervisor::HeldOpen(uint32_t slot, uint32_t test) const {
  return test < ledger_.size() && !ledger_.Finished(test) &&
         seg_.claims().Holder(test) == workers_[slot].lease;
}

bool Supervisor::TakeBackUnstarted(uint32_t slot) {
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
  if (back.empty() || shm::Requeue(seg_, seg_.supervisor_deque(), back)) return true;
  // The deque is full (of neighbour hints, say): the tests stay the
  // worker's, and the hand-back is tried again later. Left with the
  // supervisor's lease, in no deque, they would be lost: neither the repair
  // after the worker's death nor the sweep looks at that lease. (A copy
  // claimed elsewhere meanwhile stays with its new holder.)
  for (uint32_t t : back) claims.Reclaim(t, shm::kSupervisorLease, lease);
  return false;
}

void Supervisor::CheckTimeouts(uint64_t now, uint64_t* next_event) {
  const double mean = finished_count_ > 0 ? finished_ns_ / static_cast<double>(finished_count_) : 0;
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    const Worker& w = workers_[slot];
    if (w.live && !w.killed_by_stop) watch_.Check(slot, now, mean, next_event);
  }
}

void Supervisor::QueueNeighbours(uint32_t test) {
  // Copies, farthest first: thieves take from the back. The claims decide
  // who runs each (a copy whose test someone claims first is skipped), so
  // exactly-once does not depend on this; only neighbours nobody holds now
  // are queued, and a push that does not fit is dropped (it is a hint).
  shm::ClaimTable claims = seg_.claims();
  std::vector<uint32_t> items = core::NeighbourUnits(*opt_.neighbours_of, test, kNeighboursQueued);
  std::erase_if(items, [&](uint32_t t) { return claims.Word(t) != shm::kUnclaimed; });
  std::reverse(items.begin(), items.end());
  if (!items.empty()) (void)seg_.deque(seg_.supervisor_deque()).PushBack(items);
}

void Supervisor::AnnounceSlow(uint32_t slot, uint32_t test, uint64_t now) {
  if (test >= ledger_.size()) return;
  for (core::Reporter* r : reporters_) r->OnSlow(static_cast<int>(slot), test, now - start_ns_);
}

void Supervisor::AnnounceTimeout(uint32_t slot, uint32_t test, uint64_t now) {
  for (core::Reporter* r : reporters_) {
    r->OnTimeout(static_cast<int>(slot), test, now - start_ns_);
  }
}

void Supervisor::Kill(uint32_t slot) { launcher_.KillGroup(workers_[slot].proc); }

void Supervisor::SignalDump(uint32_t slot) {
  launcher_.SignalWorker(workers_[slot].proc, TimeoutDumpSignal());
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
        shm::SweepLostTests(seg_, [this](uint32_t t) { return MustNotRequeue(t); });
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
    const core::SlotFacts slot{workers_[s].live, seg_.deque(s).SizeGuess() > 0,
                               retry_launch_at_[s] > now};
    if (core::ShouldStartWorker(slot, s, serial_phase_, live_workers(), nobody_left, queued,
                                &spare)) {
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
  const bool again = stops_.draining();
  if (stops_.Interrupted(now_ns_(), stopping_) == core::StopRules::Interrupt::kStopNow) {
    if (again && !stopping_) std::fprintf(stderr, "mprun: %s again: stopping now\n", why.c_str());
    StopAll("not run: " + (again ? drain_why_ : why));
    return;
  }
  drain_why_ = why;
  // release: workers check it before starting another test.
  seg_.header().stop.store(1, std::memory_order_release);
  uint32_t running = 0;
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    const uint64_t packed = seg_.slot(slot).current.load(std::memory_order_acquire);
    running += workers_[slot].live && shm::CurrentTest(packed) != shm::kNoTest;
  }
  std::fprintf(stderr,
               "\nmprun: %s: no new tests; %u running may finish within %gs (again to stop now)\n",
               why.c_str(), running, stops_.interrupt_grace_s());
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
    if (workers_[slot].live && group > 1)
      launcher_.SignalProgramGroup(static_cast<pid_t>(group), SIGSTOP);
  }
  const uint64_t stopped_at = now_ns_();
  std::fflush(stdout);
  launcher_.StopSupervisor();
  ResumeWorkers(now_ns_() - stopped_at);
}

void Supervisor::ResumeWorkers(uint64_t paused_ns) {
  for (uint32_t slot = 0; slot < workers_.size(); ++slot) {
    Worker& w = workers_[slot];
    if (!w.live) continue;
    // acquire: as in Suspend.
    const uint32_t group = seg_.slot(slot).child_group.load(std::memory_order_acquire);
    if (group > 1) launcher_.SignalProgramGroup(static_cast<pid_t>(group), SIGCONT);
    launcher_.SignalGroup(w.proc, SIGCONT);
    // The time stopped does not count against the running test (nor a
    // starting worker, nor a pending kill after the dump signal).
    watch_.Resumed(slot, paused_ns);
  }
  stops_.Paused(paused_ns);
}

namespace {
// Wakeup::slot_of values that are not worker slots.
constexpr uint32_t kFdBell = UINT32_MAX;
constexpr uint32_t kFdSignals = UINT32_MAX - 1;
constexpr uint32_t kFdKeys = UINT32_MAX - 2;
}  // namespace

Supervisor::Wakeup Supervisor::Wait(uint64_t now, uint64_t next_event, int signal_fd) {
  Wakeup w;
  auto add = [&w](int fd, uint32_t what) {
    w.fds.push_back({fd, POLLIN, 0});
    w.slot_of.push_back(what);
  };
  add(bell_.fd(), kFdBell);
  if (signal_fd >= 0) add(signal_fd, kFdSignals);
  if (opt_.input_fd >= 0) add(opt_.input_fd, kFdKeys);
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (workers_[s].live) add(workers_[s].proc.wait_fd, s);
  }
  bell_.PrepareToSleep();
  bool pending = false;
  for (uint32_t s = 0; s < workers_.size() && !pending; ++s) {
    pending = workers_[s].live && shm::RingConsumer(seg_.ring(s)).SizeGuess() > 0;
  }
  const int wait_ms =
      pending ? 0
              : static_cast<int>((next_event - std::min(next_event, now) + 999'999) / 1'000'000);
  w.ready = poll(w.fds.data(), w.fds.size(), wait_ms);
  bell_.WokeUp();
  return w;
}

bool Supervisor::HandleSignal(int signal_fd, bool* status_requested) {
  signalfd_siginfo info;
  const ssize_t n = read(signal_fd, &info, sizeof info);
  const int sig = n == sizeof info ? static_cast<int>(info.ssi_signo) : SIGINT;
  if (sig == SIGUSR1) {
    *status_requested = true;
  } else if (sig == SIGTSTP) {
    Suspend();
  } else if (sig == SIGCONT) {
    // The continue after mprun's own ^Z (Suspend has continued what it
    // stopped), or after a SIGSTOP mprun did not see coming (kill -STOP).
    // The workers and binaries run in groups of their own, so no job-wide
    // stop reached them, and mprun continues only what it stopped: a SIGCONT
    // discards a running process's pending stop signals, and so can
    // deadlock a ptrace attach in flight (LSan's leak check at exit
    // attaches to every thread of the binary and waits for its SIGSTOP).
  } else {
    Interrupt(std::string("interrupted by ") + core::SignalName(sig));
  }
  return stopping_;
}

void Supervisor::ReadKeys(bool* status_requested) {
  char keys[64];
  const ssize_t n = read(opt_.input_fd, keys, sizeof keys);
  for (ssize_t k = 0; k < n; ++k) *status_requested |= keys[k] == 't';
  if (n <= 0) opt_.input_fd = -1;  // end of input: stop listening
}

void Supervisor::ReapEnded(const Wakeup& wakeup) {
  for (size_t i = 0; wakeup.ready > 0 && i < wakeup.fds.size(); ++i) {
    const uint32_t slot = wakeup.slot_of[i];
    if (slot >= workers_.size() || wakeup.fds[i].revents == 0) continue;
    if (workers_[slot].live) HandleExit(slot);
    if (stopping_) return;
  }
}

bool Supervisor::CheckEnding() {
  if (opt_.stop_at_ns != 0 && now_ns_() >= opt_.stop_at_ns && !ledger_.Complete()) {
    uint64_t next_event = UINT64_MAX;
    CheckTimeouts(now_ns_(), &next_event);  // the running tests' deadlines: timed out
    summary_.errors.push_back(
        "the stop time passed (--stop-time): tests still running timed out, the rest were not run");
    StopAll("not run: the stop time passed (--stop-time)");
    return true;
  }
  if (attempts_.stop_requested()) {
    StopAll("not run: the run stopped at the first failure (--gtest_fail_fast / --stop)");
    return true;
  }
  if (stops_.DrainOver(now_ns_(), live_workers())) {
    StopAll("not run: " + drain_why_);
    return true;
  }
  EnsureWorkers();
  if (!ledger_.Complete() || stopping_) return false;
  // Every test has its result: workers finish their teardown and leave.
  // release: workers check it before taking more tests.
  seg_.header().stop.store(1, std::memory_order_release);
  if (!stops_.ExitGraceOver(now_ns_()) || live_workers() == 0) return false;
  summary_.errors.push_back("workers did not exit within " + core::Seconds(stops_.exit_grace_s()) +
                            " after the last test (a global environment's TearDown() hung?)");
  for (uint32_t s = 0; s < workers_.size(); ++s) {
    if (!workers_[s].live) continue;
    workers_[s].killed_by_stop = true;
    launcher_.KillGroup(workers_[s].proc);
    HandleExit(s);
  }
  return false;
}

void Supervisor::Step(int max_wait_ms, int signal_fd) {
  const uint64_t now = now_ns_();
  uint64_t next_event = now + static_cast<uint64_t>(std::max(max_wait_ms, 0)) * 1'000'000;
  CheckTimeouts(now, &next_event);
  const Wakeup wakeup = Wait(now, next_event, signal_fd);
  bool status_requested = false;
  for (size_t i = 0; wakeup.ready > 0 && i < wakeup.fds.size(); ++i) {
    const short got = wakeup.fds[i].revents;
    if (wakeup.slot_of[i] == kFdSignals && (got & POLLIN)) {
      if (HandleSignal(signal_fd, &status_requested)) return;
    } else if (wakeup.slot_of[i] == kFdKeys && got != 0) {
      ReadKeys(&status_requested);
    }
  }
  if (status_requested) {
    const core::Progress progress = Snapshot(/*with_output=*/true);
    for (core::Reporter* r : reporters_) r->OnStatusRequest(run_, progress);
  }
  DrainAll();
  ReapEnded(wakeup);
  if (stopping_ || CheckEnding()) return;
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

std::string ProgramDisagreement::Told() const {
  // After its first line: the rest is what the program printed.
  std::string told = what;
  if (launches > 1) {
    const size_t eol = std::min(told.find('\n'), told.size());
    told.insert(eol, " (and so did " + std::to_string(launches - 1) + " more launches)");
  }
  return told;
}

void Supervisor::OnDisagreement(const shm::ResultRecord& r, std::string_view text) {
  if (r.test >= run_.tests.size()) return;
  const uint32_t binary = run_.tests[r.test].binary;
  const bool program_failed = r.outcome == static_cast<uint8_t>(core::Outcome::kFailed);
  for (ProgramDisagreement& d : disagreements_) {
    if (d.binary == binary && d.program_failed == program_failed) {
      ++d.launches;
      return;
    }
  }
  disagreements_.push_back({binary, program_failed, std::string(text), 1});
}

void Supervisor::Finish() {
  for (const ProgramDisagreement& d : disagreements_) {
    (d.program_failed ? summary_.errors : summary_.warnings).push_back(d.Told());
  }
  disagreements_.clear();
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
