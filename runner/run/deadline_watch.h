// DeadlineWatch: the supervisor's watch over what each worker is doing now
// (its slot's current-word): the batch-mates of a test that runs long are
// handed back, a slow test is announced, a long test's neighbours are
// queued, the deadline is judged (core::TimeoutRules) and, once a timeout is
// decided, the worker is killed after its backtrace or the grace; and the
// time a suspension (SIGTSTP) took is given back. Per worker it keeps what
// was already done for the current word, so that each happens once.
//
// It reads the slot and decides; the supervisor acts (Hands) and, when the
// worker ends, reads what was decided. Supervisor process only,
// single-threaded.
#ifndef MPRUN_RUNNER_RUN_DEADLINE_WATCH_H_
#define MPRUN_RUNNER_RUN_DEADLINE_WATCH_H_

#include <cstdint>
#include <vector>

#include "core/rules/decisions.h"
#include "shm/segment.h"

namespace mprun::runner {

class DeadlineWatch {
 public:
  // What the supervisor does when the watch says so.
  class Hands {
   public:
    virtual ~Hands() = default;
    // Reads what the worker in `slot` published so far: a deadline is
    // judged on facts read after its ring is drained.
    virtual void Drain(uint32_t slot) = 0;
    // `test` has no result yet and the lease of the worker in `slot` holds it.
    virtual bool HeldOpen(uint32_t slot, uint32_t test) const = 0;
    // What the worker holds but has not started goes to other workers;
    // false when there was no room for it (it stays the worker's, and the
    // hand-back is tried again at a later look).
    virtual bool TakeBackUnstarted(uint32_t slot) = 0;
    // The units beside `test`, which runs long, for other workers.
    virtual void QueueNeighbours(uint32_t test) = 0;
    virtual void AnnounceSlow(uint32_t slot, uint32_t test, uint64_t now) = 0;
    virtual void AnnounceTimeout(uint32_t slot, uint32_t test, uint64_t now) = 0;
    // The worker's process group, at once.
    virtual void Kill(uint32_t slot) = 0;
    // The timeout signal: the worker writes a backtrace, then ends.
    virtual void SignalDump(uint32_t slot) = 0;
  };

  // `neighbours`: a test that runs long has its neighbours queued (a run
  // without durations).
  DeadlineWatch(shm::Segment& segment, const core::TimeoutRules& rules, bool neighbours,
                Hands& hands);

  // A new worker is being launched in `slot`: nothing the slot's last
  // worker was watched for applies to it.
  void Reset(uint32_t slot) { watch_[slot] = Watch{}; }
  // It was started at `now` (its start-up is held to a test's limit).
  void Started(uint32_t slot, uint64_t now) { watch_[slot].launched_ns = now; }
  // One look at the live worker in `slot`: what is due by `now` is done,
  // and `next_event` lowered to when the next thing falls due.
  // `mean_test_ns`: of the tests finished so far (0: none yet).
  void Check(uint32_t slot, uint64_t now, double mean_test_ns, uint64_t* next_event);
  // The run was suspended for `paused_ns`: not counted against what the
  // worker is doing (its test, its start-up, a pending kill).
  void Resumed(uint32_t slot, uint64_t paused_ns);

  // What was decided, for when the worker ends.
  bool killed_for_timeout(uint32_t slot) const { return watch_[slot].killed_for_timeout; }
  // The current-word whose deadline passed: that attempt is timed_out, a
  // final verdict; 0 if none.
  uint64_t timeout_word(uint32_t slot) const { return watch_[slot].timeout_word; }
  // Its test, when the worker was inside one (else shm::kNoTest), and the
  // worker's phase then.
  uint32_t timed_out_test(uint32_t slot) const { return watch_[slot].timed_out_test; }
  uint32_t timeout_phase(uint32_t slot) const { return watch_[slot].timeout_phase; }

 private:
  struct Watch {
    uint64_t launched_ns = 0;
    uint64_t timeout_word = 0;
    uint32_t timed_out_test = shm::kNoTest;
    uint32_t timeout_phase = 0;
    uint64_t recheck_word = 0;  // a word past its deadline whose test had just finished
    uint64_t kill_at_ns = 0;
    uint64_t took_back_for = 0;  // the current-word whose batch-mates were handed back
    uint64_t slow_word = 0;      // the current-word announced as slow
    uint64_t long_word = 0;      // the current-word whose neighbours were queued
    // Time the run spent suspended while this current-word's test ran:
    // added to its deadline.
    uint64_t paused_word = 0;
    uint64_t paused_ns = 0;
    bool killed_for_timeout = false;
    uint64_t PausedFor(uint64_t packed) const { return paused_word == packed ? paused_ns : 0; }
  };

  // A worker still starting (its global environments' SetUp) is held to
  // the same limit as a test.
  void CheckStartup(uint32_t slot, uint64_t now, uint64_t* next_event);
  void CheckNeighbours(uint32_t slot, uint64_t packed, uint64_t now, double mean_test_ns,
                       uint64_t* next_event);
  void CheckSlow(uint32_t slot, uint64_t packed, uint64_t now, uint64_t* next_event);
  // After a decided timeout: the kill follows the backtrace, or its grace.
  void KillAfterTimeout(uint32_t slot, uint64_t now, uint64_t* next_event);
  // The deadline of `packed` has passed: decides the timeout, unless the
  // test turns out to have finished in time.
  void DecideTimeout(uint32_t slot, uint64_t packed, uint64_t now, uint64_t* next_event);
  void Kill(uint32_t slot);

  shm::Segment& seg_;
  const core::TimeoutRules& rules_;
  const bool neighbours_;
  Hands& hands_;
  std::vector<Watch> watch_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_DEADLINE_WATCH_H_
