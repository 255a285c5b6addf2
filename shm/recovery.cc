#include "shm/recovery.h"

#include <algorithm>

namespace mprun::shm {

std::vector<uint32_t> ReclaimDeadLease(ClaimTable claims, uint32_t lease, uint32_t running,
                                       const FinishedFn& finished) {
  std::vector<uint32_t> out;
  for (uint32_t t = 0; t < claims.size(); ++t) {
    if (t == running || claims.Holder(t) != lease || finished(t)) continue;
    // Started or not: the holder is dead, nobody else can touch the word.
    if (claims.Reclaim(t, claims.Word(t), kSupervisorLease)) out.push_back(t);
  }
  return out;
}

std::vector<uint32_t> SweepLostTests(Segment& segment, const FinishedFn& finished) {
  const uint32_t n = segment.tests();
  std::vector<bool> queued(n, false);
  std::vector<uint32_t> buffer(n);
  for (uint32_t w = 0; w < segment.deques(); ++w) {
    const uint32_t got = segment.deque(w).Snapshot(buffer.data(), n);
    for (uint32_t k = 0; k < got; ++k) {
      if (buffer[k] >= n) continue;
      const uint32_t end = segment.UnitEnd(buffer[k]);  // an item stands for its unit
      for (uint32_t t = buffer[k]; t < end; ++t) queued[t] = true;
    }
  }
  ClaimTable claims = segment.claims();
  std::vector<uint32_t> out;
  for (uint32_t t = 0; t < n; ++t) {
    if (queued[t] || finished(t) || claims.Holder(t) != kUnclaimed) continue;
    // A live worker may claim it between our look and this CAS; then it is
    // not lost and the CAS fails.
    if (claims.Reclaim(t, kUnclaimed, kSupervisorLease)) out.push_back(t);
  }
  return out;
}

bool Requeue(Segment& segment, uint32_t worker, std::span<const uint32_t> tests) {
  WorkDeque deque = segment.deque(worker);
  std::string ignored;
  deque.Repair(&ignored);  // a corrupt word was reset to empty; its items get swept
  ClaimTable claims = segment.claims();
  // Release before pushing: once pushed, a thief may pop a test at once and
  // must be able to claim it. Unpushed-but-released tests are invisible to
  // everyone but this (single-threaded) supervisor.
  for (uint32_t t : tests) claims.Release(t);
  // One item per unit: the lowest test of it to queue stands for the rest
  // of the unit (a worker claims what is still claimable), so a suite kept
  // together is not split by its recovery.
  std::vector<uint32_t> items;
  std::vector<uint32_t> sorted(tests.begin(), tests.end());
  std::sort(sorted.begin(), sorted.end());
  uint32_t covered_until = 0;
  for (uint32_t t : sorted) {
    if (!items.empty() && t < covered_until) continue;
    items.push_back(t);
    covered_until = segment.UnitEnd(t);
  }
  if (deque.PushBack(items)) return true;
  for (uint32_t t : tests) claims.Reclaim(t, kUnclaimed, kSupervisorLease);
  return false;
}

}  // namespace mprun::shm
