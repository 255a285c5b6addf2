#include "shm/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>

namespace mprun::shm {

void FutexWait(Atomic<uint32_t>* word, uint32_t expected, std::chrono::nanoseconds timeout) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
  // EAGAIN (value changed), EINTR and ETIMEDOUT all mean "look again".
  syscall(SYS_futex, word->address(), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void FutexWakeAll(Atomic<uint32_t>* word) {
  syscall(SYS_futex, word->address(), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace mprun::shm
