// Recovery: how the supervisor accounts for the tests of a worker that died.
// Supervisor only, after it has reaped the dead process and drained its ring.
//
// Every test is, at any moment, in exactly one of these places: finished (its
// result is in the supervisor's ledger), held by a lease (claim word), listed
// in some deque while unclaimed, or "in flight" (unclaimed and in no deque:
// a worker took it and has not claimed or pushed it yet). A dead worker leaves
// tests held by its lease and, if it died in the window, tests in flight that
// nobody will ever claim. ReclaimDeadLease handles the first, SweepLostTests
// the second. Both move tests to kSupervisorLease; Requeue makes them
// claimable again and lists them in a deque. A live worker whose in-flight
// test is swept meanwhile simply loses the claim later and skips it.
#ifndef MPRUN_SHM_RECOVERY_H_
#define MPRUN_SHM_RECOVERY_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "shm/segment.h"

namespace mprun::shm {

using FinishedFn = std::function<bool(uint32_t test)>;

// Tests held by `lease` (started or not) that are not finished and are not `running` (the test
// the dead worker was inside, which the caller blames instead; kNoTest if
// none), now held by the supervisor.
std::vector<uint32_t> ReclaimDeadLease(ClaimTable claims, uint32_t lease, uint32_t running,
                                       const FinishedFn& finished);

// Unfinished tests that no lease holds and no deque lists, now held by the
// supervisor. O(tests + queued items).
std::vector<uint32_t> SweepLostTests(Segment& segment, const FinishedFn& finished);

// Releases supervisor-held `tests` and pushes them onto deque `worker`: the
// supervisor's own (Segment::supervisor_deque()) or one whose owner is dead
// (or not yet started). One item per unit. False if the deque cannot take
// them (then they are taken back to kSupervisorLease and nothing is pushed).
bool Requeue(Segment& segment, uint32_t worker, std::span<const uint32_t> tests);

}  // namespace mprun::shm

#endif  // MPRUN_SHM_RECOVERY_H_
