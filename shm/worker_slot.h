// WorkerSlot: what the supervisor can see of one worker while it runs. The
// worker process holding the slot's lease writes it; the supervisor reads it
// (and resets it between worker processes).
//
// The current test and its start time are packed into one 64-bit word so the
// supervisor's timeout check reads a consistent pair with one load: a worker
// moving to its next test can never pair the new test with the old start.
//
// Killed at any instruction: every field is a single store. A dead worker's
// `current` names the test it was running (or kNoTest), which is exactly what
// the supervisor blames. The batch a worker holds is not listed here: the
// claim words (claims.h) already say which tests each lease holds, and they
// are the only record that stays right when a worker dies between taking
// tests and writing anything down. `batch_size`/`batch_done` are progress
// figures for people, not for recovery.
#ifndef MPRUN_SHM_WORKER_SLOT_H_
#define MPRUN_SHM_WORKER_SLOT_H_

#include <cstdint>

#include "core/rules/worker_phase.h"
#include "shm/atomic.h"

namespace mprun::shm {

enum class WorkerState : uint32_t {
  kEmpty = 0,     // no process
  kStarting = 1,  // forked, setting up (environments, output capture)
  kRunning = 2,   // taking and running tests
  kDone = 3,      // found no work anywhere and is exiting normally
};

// What a worker does when it is not inside a test body; tells the supervisor
// what to blame when the worker dies outside a test. Defined with the rules
// that read it (core/rules/worker_phase.h).
using WorkerPhase = core::WorkerPhase;

struct alignas(kCacheLine) WorkerSlot {
  Atomic<uint64_t> current;       // PackCurrent(test, start_us) or kIdleCurrent
  Atomic<uint64_t> heartbeat_ns;  // ns since the epoch of the last phase change (not read yet)
  Atomic<uint64_t> tests_run;     // tests this slot's processes finished (not read yet)
  Atomic<uint32_t> pid;
  Atomic<uint32_t> lease;  // the claim lease of the process now holding the slot
  Atomic<uint32_t> state;  // WorkerState
  Atomic<uint32_t> phase;  // WorkerPhase
  Atomic<uint32_t> batch_size;
  Atomic<uint32_t> batch_done;
  // TimeoutState: the supervisor sets kTimeoutDecided when the running
  // test's deadline has passed (before the dump signal), the worker's handler
  // kTimeoutDumped once the backtrace is written. A worker that sees any
  // state but kTimeoutNone
  // starts no other test: it ends (a test that took the dump signal for its
  // own and returned must not hand the condemned worker more tests).
  Atomic<uint32_t> timeout;
  Atomic<uint32_t> steals;  // deque steals so far (for the trace)
  // Driver mode: the process group of the test binary this worker runs now
  // (its shim's pid; 0 for none), for the supervisor to stop and continue
  // with the worker (SIGTSTP). Cleared before the worker reaps the shim, so
  // while it is non-zero the group id cannot have been reused.
  Atomic<uint32_t> child_group;
  // Driver mode: launches of a test binary in which a test began, counted
  // over all the slot's processes (never reset). Other workers whose
  // launches the system refuses read it to tell a shortage the run is
  // getting through (binaries still start) from one that lasts.
  Atomic<uint32_t> launches_ran;
};
MPRUN_SHARED_STRUCT(WorkerSlot);
static_assert(sizeof(WorkerSlot) == kCacheLine, "one worker slot per cache line");

enum TimeoutState : uint32_t { kTimeoutNone = 0, kTimeoutDecided = 1, kTimeoutDumped = 2 };

inline constexpr uint32_t kNoTest = (1u << 24) - 1;
inline constexpr uint64_t kMaxStartMicros = (uint64_t{1} << 40) - 1;  // about 12.7 days
inline constexpr uint64_t kIdleCurrent = uint64_t{kNoTest} << 40;

// 24 bits of test index, 40 bits of microseconds since the segment's epoch.
constexpr uint64_t PackCurrent(uint32_t test, uint64_t start_us) {
  return (uint64_t{test & kNoTest} << 40) | (start_us & kMaxStartMicros);
}
constexpr uint32_t CurrentTest(uint64_t packed) { return static_cast<uint32_t>(packed >> 40); }
constexpr uint64_t CurrentStartMicros(uint64_t packed) { return packed & kMaxStartMicros; }

}  // namespace mprun::shm

#endif  // MPRUN_SHM_WORKER_SLOT_H_
