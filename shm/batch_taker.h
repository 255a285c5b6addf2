// BatchTaker: how a worker gets its next tests. Owning worker only (one per
// worker process).
//
// First takes what the supervisor queued on its deque (tests handed back or
// to run again, and the neighbours of a test that runs long: they should not
// wait for the worker's own share), then pops items from the worker's own
// deque; when that is empty, steals about
// half of the fullest other deque into its own (so that later thieves can
// take from it in turn) and pops from there. An item stands for a unit of
// tests (Segment::UnitEnd), claimed whole, so a suite kept together reaches
// one worker. Every test is claimed (claims.h) before it is handed out; tests
// whose claim fails are stale copies the supervisor queued elsewhere, or tests
// of a unit already run, and are skipped.
//
// Killed at any instruction: between a steal and the push into its own deque,
// or between a pop and the claims, tests are in flight; the supervisor's
// sweep (recovery.h) finds them. Claimed tests carry this worker's lease.
#ifndef MPRUN_SHM_BATCH_TAKER_H_
#define MPRUN_SHM_BATCH_TAKER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "shm/segment.h"

namespace mprun::shm {

class BatchTaker {
 public:
  // Fault-injection points for the SIGKILL tests; production passes nothing.
  enum class Point { kAfterSteal, kAfterPushStolen, kAfterPop, kAfterClaim };
  using Hook = std::function<void(Point)>;

  BatchTaker(Segment& segment, uint32_t worker, uint32_t lease, Hook hook = nullptr);

  // Claims whole units until `out` holds at least `max` tests (a unit is
  // never cut, so it may hold more), in the order taken. Returns how many;
  // 0 means there was no work in any deque when it looked.
  uint32_t Next(std::vector<uint32_t>* out, uint32_t max);

  uint64_t steals() const { return steals_; }
  uint64_t stale_skipped() const { return stale_skipped_; }

 private:
  bool StealIntoOwnDeque();
  // Up to `max` tests (or one unit) from the supervisor's deque, claimed.
  void TakeQueued(std::vector<uint32_t>* out, uint32_t max);
  // Claims the tests of `items` (unit heads) into `out`; skips stale ones.
  void Claim(const uint32_t* items, uint32_t count, std::vector<uint32_t>* out);
  void At(Point p) {
    if (hook_) hook_(p);
  }

  Segment& segment_;
  uint32_t worker_;
  uint32_t lease_;
  Hook hook_;
  std::vector<uint32_t> buffer_;
  uint64_t steals_ = 0;
  uint64_t stale_skipped_ = 0;
};

}  // namespace mprun::shm

#endif  // MPRUN_SHM_BATCH_TAKER_H_
