// Doorbell: how workers wake a sleeping supervisor. Workers call Ring*; the
// supervisor calls PrepareToSleep/WokeUp and polls fd().
//
// An eventfd plus a `sleeping` word in the segment. The supervisor announces
// that it is about to sleep, looks for work once more, and only then polls;
// a worker rings (one write(2)) only while the supervisor announces sleep, and
// the first ringer clears the word, so a burst of results costs one wake-up.
// The two seq_cst fences (one on each side) rule out the lost wake-up where
// the supervisor checks the rings just before a result lands and the worker
// checks the word just before the supervisor sets it.
//
// Killed at any instruction: a worker killed after clearing `sleeping` but
// before writing the eventfd costs the supervisor one poll timeout (it never
// sleeps without one: the nearest deadline or its tick).
#ifndef MPRUN_SHM_DOORBELL_H_
#define MPRUN_SHM_DOORBELL_H_

#include <cstdint>
#include <string>

#include "shm/atomic.h"

namespace mprun::shm {

class Doorbell {
 public:
  // Supervisor, before forking: makes the eventfd (close-on-exec: a worker's
  // exec'd test children must not hold it).
  static bool Create(Atomic<uint32_t>* sleeping, Doorbell* out, std::string* err);
  Doorbell() = default;
  Doorbell(const Doorbell&) = delete;
  Doorbell& operator=(const Doorbell&) = delete;
  Doorbell(Doorbell&& other) noexcept;
  Doorbell& operator=(Doorbell&& other) noexcept;
  ~Doorbell();

  // Worker: wakes the supervisor if it sleeps. Call after publishing (the
  // release store of the ring's head); returns true if it wrote the eventfd.
  bool RingIfSleeping();
  // Worker: wakes the supervisor now, sleeping or not (urgent events). Safe
  // in a signal handler.
  void Ring();

  // Supervisor: announce sleep. After this, look for work once more; if there
  // is any, call WokeUp() instead of polling.
  void PrepareToSleep();
  // Supervisor, after poll returned or instead of polling: clears the word
  // and drains the eventfd.
  void WokeUp();

  int fd() const { return fd_; }

 private:
  Atomic<uint32_t>* sleeping_ = nullptr;
  int fd_ = -1;
};

}  // namespace mprun::shm

#endif  // MPRUN_SHM_DOORBELL_H_
