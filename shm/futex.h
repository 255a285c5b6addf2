// Cross-process futex wait/wake on a 32-bit word of the shared segment.
// Any process may call these.
//
// C++20 atomic::wait/notify uses private futexes, which lose wake-ups between
// processes (measured; docs/design.md), so shared words use FUTEX_WAIT/FUTEX_WAKE without
// FUTEX_PRIVATE_FLAG. Waits always carry a timeout: a waker that was killed
// must not leave the waiter asleep forever.
#ifndef MPRUN_SHM_FUTEX_H_
#define MPRUN_SHM_FUTEX_H_

#include <chrono>
#include <cstdint>

#include "shm/atomic.h"

namespace mprun::shm {

// Sleeps while *word == expected, at most `timeout`. Spurious returns happen;
// callers loop on their own condition.
void FutexWait(Atomic<uint32_t>* word, uint32_t expected, std::chrono::nanoseconds timeout);
// Wakes every process sleeping on `word`.
void FutexWakeAll(Atomic<uint32_t>* word);

}  // namespace mprun::shm

#endif  // MPRUN_SHM_FUTEX_H_
