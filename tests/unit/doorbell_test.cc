// Doorbell: rings only for a sleeping supervisor, coalesces, loses no wake-up.
#include "shm/doorbell.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>

namespace mprun::shm {
namespace {

bool Readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1;
}

TEST(DoorbellTest, RingsOnlyWhileTheSupervisorSleeps) {
  Atomic<uint32_t> word{};
  Doorbell bell;
  std::string err;
  ASSERT_TRUE(Doorbell::Create(&word, &bell, &err)) << err;
  EXPECT_FALSE(bell.RingIfSleeping());
  EXPECT_FALSE(Readable(bell.fd(), 0));
  bell.PrepareToSleep();
  EXPECT_TRUE(bell.RingIfSleeping());
  EXPECT_TRUE(Readable(bell.fd(), 0));
  bell.WokeUp();
  EXPECT_FALSE(Readable(bell.fd(), 0));
  EXPECT_FALSE(bell.RingIfSleeping());
}

TEST(DoorbellTest, ABurstOfRingsCostsOneWrite) {
  Atomic<uint32_t> word{};
  Doorbell bell;
  std::string err;
  ASSERT_TRUE(Doorbell::Create(&word, &bell, &err)) << err;
  bell.PrepareToSleep();
  int writes = 0;
  for (int i = 0; i < 100; ++i) writes += bell.RingIfSleeping();
  EXPECT_EQ(writes, 1);
}

// A supervisor that sleeps only after finding nothing new, and a worker that
// rings after each publication: a lost wake-up shows as a poll that times
// out while work was waiting.
TEST(DoorbellTest, NoWakeUpIsLostBetweenPublishAndSleep) {
  Atomic<uint32_t> word{};
  Doorbell bell;
  std::string err;
  ASSERT_TRUE(Doorbell::Create(&word, &bell, &err)) << err;
  constexpr uint64_t kItems = 20000;
  std::atomic<uint64_t> published{0};
  std::thread worker([&] {
    for (uint64_t i = 1; i <= kItems; ++i) {
      published.store(i, std::memory_order_release);
      bell.RingIfSleeping();
      if (i % 64 == 0) std::this_thread::yield();
    }
  });
  uint64_t seen = 0;
  int stalls = 0;
  while (seen < kItems) {
    const uint64_t now = published.load(std::memory_order_acquire);
    if (now > seen) {
      seen = now;
      continue;
    }
    bell.PrepareToSleep();
    if (published.load(std::memory_order_acquire) > seen) {
      bell.WokeUp();
      continue;
    }
    // A timeout alone may be a slow worker; a timeout while a publication
    // waits is a lost wake-up.
    if (!Readable(bell.fd(), 2000) && published.load(std::memory_order_acquire) > seen) ++stalls;
    bell.WokeUp();
  }
  worker.join();
  EXPECT_EQ(stalls, 0) << "the supervisor slept through a publication";
}

}  // namespace
}  // namespace mprun::shm
