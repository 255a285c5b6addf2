// ClaimTable: one 32-bit claim word per test, the single authority on which
// process may run a test. Callers: workers (TryClaim on tests they took from
// a deque), the supervisor (Holder, Reclaim, Release during repair and sweep).
//
// Why it exists: taking items from a deque and recording that you hold them
// cannot be one atomic step, so a worker SIGKILLed between the two would make
// its items vanish. Instead, a test belongs to whoever wins the CAS
// 0 -> lease on its word; a worker runs only tests it won. The supervisor
// queues a test again only after winning its own CAS (from 0, or from the
// lease of a worker it has reaped), and a worker that later finds a stale copy
// of that test in some deque loses the CAS and skips it. So a test can sit in
// two deques at once, but it runs at most once per queueing.
//
// Killed at any instruction: a claim is one CAS; a dead worker's claims keep
// its lease until the supervisor reaps it and moves them on.
#ifndef MPRUN_SHM_CLAIMS_H_
#define MPRUN_SHM_CLAIMS_H_

#include <cstdint>

#include "shm/atomic.h"

namespace mprun::shm {

// Leases are handed out by the supervisor, one per worker process it starts,
// never reused within a run, below kStartedBit.
inline constexpr uint32_t kUnclaimed = 0;
inline constexpr uint32_t kSupervisorLease = 0xFFFFFFFFu;
// Set by the holder just before it runs the test. Until then the supervisor
// may take a claimed test back (Reclaim from the bare lease) and queue it
// for someone else — for tests waiting behind a long one in the same batch.
inline constexpr uint32_t kStartedBit = 0x80000000u;

class ClaimTable {
 public:
  ClaimTable(Atomic<uint32_t>* words, uint32_t tests) : words_(words), tests_(tests) {}

  // Worker: true when this lease now owns `test`. False for a test that is
  // already owned, or an index out of range (a corrupt deque item).
  bool TryClaim(uint32_t test, uint32_t lease) {
    if (test >= tests_) return false;
    uint32_t expected = kUnclaimed;
    // acq_rel: the claim orders the worker's run of the test after it, and
    // the supervisor's earlier release of the word before it.
    return words_[test].compare_exchange_strong(expected, lease, std::memory_order_acq_rel,
                                                std::memory_order_relaxed);
  }

  // Worker: marks a test it holds as started; false when the supervisor took
  // it back first (then the worker must not run it).
  bool TryStart(uint32_t test, uint32_t lease) {
    if (test >= tests_) return false;
    uint32_t expected = lease;
    // acq_rel: orders the run after the supervisor's last word about it.
    return words_[test].compare_exchange_strong(
        expected, lease | kStartedBit, std::memory_order_acq_rel, std::memory_order_relaxed);
  }

  // Supervisor: the raw claim word (a lease, maybe with kStartedBit).
  // acquire: pairs with the claimer's CAS.
  uint32_t Word(uint32_t test) const { return words_[test].load(std::memory_order_acquire); }
  // Supervisor: the lease holding the test, started or not (kUnclaimed if
  // none).
  uint32_t Holder(uint32_t test) const {
    const uint32_t w = Word(test);
    return w == kSupervisorLease ? w : w & ~kStartedBit;
  }
  bool Started(uint32_t test) const {
    const uint32_t w = Word(test);
    return w != kSupervisorLease && (w & kStartedBit) != 0;
  }

  // Supervisor: moves `test` from `from` to `to`; false if someone else holds it.
  bool Reclaim(uint32_t test, uint32_t from, uint32_t to) {
    return words_[test].compare_exchange_strong(from, to, std::memory_order_acq_rel,
                                                std::memory_order_relaxed);
  }

  // Supervisor: makes a test it holds claimable again. Must happen before the
  // test is pushed into a deque, or a worker could pop it and fail to claim it.
  // release: pairs with TryClaim's acquire.
  void Release(uint32_t test) { words_[test].store(kUnclaimed, std::memory_order_release); }

  // Supervisor, no worker running: everything unclaimed.
  void Reset() {
    for (uint32_t i = 0; i < tests_; ++i) words_[i].store(kUnclaimed, std::memory_order_relaxed);
  }

  uint32_t size() const { return tests_; }

 private:
  Atomic<uint32_t>* words_;
  uint32_t tests_;
};

}  // namespace mprun::shm

#endif  // MPRUN_SHM_CLAIMS_H_
