#include "shm/doorbell.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace mprun::shm {

bool Doorbell::Create(Atomic<uint32_t>* sleeping, Doorbell* out, std::string* err) {
  const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) {
    *err = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  Doorbell d;
  d.sleeping_ = sleeping;
  d.fd_ = fd;
  // relaxed: no other process exists yet.
  sleeping->store(0, std::memory_order_relaxed);
  *out = std::move(d);
  return true;
}

Doorbell::Doorbell(Doorbell&& other) noexcept
    : sleeping_(std::exchange(other.sleeping_, nullptr)), fd_(std::exchange(other.fd_, -1)) {}

Doorbell& Doorbell::operator=(Doorbell&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    sleeping_ = std::exchange(other.sleeping_, nullptr);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Doorbell::~Doorbell() {
  if (fd_ >= 0) close(fd_);
}

void Doorbell::Ring() {
  const uint64_t one = 1;
  // A full counter (EAGAIN) already means "awake"; nothing else can fail here.
  [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof one);
}

bool Doorbell::RingIfSleeping() {
  // seq_cst fence: orders the caller's publication before our read of the
  // word; pairs with the fence in PrepareToSleep.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // relaxed load first: the common case (supervisor awake) costs no RMW.
  if (sleeping_->load(std::memory_order_relaxed) == 0) return false;
  // relaxed exchange: only one ringer per sleep writes the eventfd; the
  // eventfd write itself orders what follows.
  if (sleeping_->exchange(0, std::memory_order_relaxed) == 0) return false;
  Ring();
  return true;
}

void Doorbell::PrepareToSleep() {
  sleeping_->store(1, std::memory_order_relaxed);
  // seq_cst fence: our store is visible before the caller's final look at the
  // rings; pairs with the fence in RingIfSleeping.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void Doorbell::WokeUp() {
  sleeping_->store(0, std::memory_order_relaxed);
  uint64_t count;
  while (read(fd_, &count, sizeof count) > 0) {
  }
}

}  // namespace mprun::shm
