// WorkDeque and BatchTaker in one process: order, bounds, and exactly-once
// under many threads (run under ThreadSanitizer in the `thread` build).
#include "shm/work_deque.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "shm/batch_taker.h"
#include "shm/recovery.h"
#include "shm/segment.h"

namespace mprun::shm {
namespace {

std::unique_ptr<Segment> MakeSegment(uint32_t workers, uint32_t tests) {
  std::string err;
  LayoutParams p;
  p.workers = workers;
  p.tests = tests;
  p.ring_records = 16;
  p.ring_text_bytes = 1024;
  auto s = Segment::Create(p, &err);
  EXPECT_NE(s, nullptr) << err;
  return s;
}

std::vector<uint32_t> Iota(uint32_t n, uint32_t from = 0) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), from);
  return v;
}

TEST(WorkDequeTest, OwnerPopsFromTheFrontInOrder) {
  auto seg = MakeSegment(1, 10);
  WorkDeque d = seg->deque(0);
  ASSERT_TRUE(d.PushBack(Iota(10)));
  uint32_t out[4];
  auto t = d.PopFront(out, 4);
  ASSERT_EQ(t.status, WorkDeque::Status::kTook);
  ASSERT_EQ(t.count, 4u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + 4), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(d.SizeGuess(), 6u);
}

TEST(WorkDequeTest, ThiefStealsHalfRoundedUpFromTheBack) {
  auto seg = MakeSegment(1, 10);
  WorkDeque d = seg->deque(0);
  ASSERT_TRUE(d.PushBack(Iota(7)));
  uint32_t out[10];
  auto t = d.StealBack(out, 10);
  ASSERT_EQ(t.count, 4u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + 4), (std::vector<uint32_t>{3, 4, 5, 6}));
  t = d.StealBack(out, 10);
  EXPECT_EQ(t.count, 2u);
  t = d.StealBack(out, 10);
  EXPECT_EQ(t.count, 1u);
  EXPECT_EQ(out[0], 0u);
  EXPECT_EQ(d.StealBack(out, 10).status, WorkDeque::Status::kEmpty);
}

TEST(WorkDequeTest, StealRespectsTheBatchLimit) {
  auto seg = MakeSegment(1, 100);
  WorkDeque d = seg->deque(0);
  ASSERT_TRUE(d.PushBack(Iota(100)));
  uint32_t out[8];
  EXPECT_EQ(d.StealBack(out, 8).count, 8u);
  EXPECT_EQ(out[7], 99u);
}

TEST(WorkDequeTest, PushRefusesWhatDoesNotFitAndKeepsTheRest) {
  auto seg = MakeSegment(1, 5);
  WorkDeque d = seg->deque(0);
  ASSERT_TRUE(d.PushBack(Iota(4)));
  EXPECT_FALSE(d.PushBack(Iota(2, 10)));
  EXPECT_EQ(d.SizeGuess(), 4u);
  EXPECT_TRUE(d.PushBack(Iota(1, 10)));
  EXPECT_EQ(d.SizeGuess(), 5u);
}

TEST(WorkDequeTest, PositionsWrapAroundTheRingAndRestartWhenEmpty) {
  auto seg = MakeSegment(1, 3);
  WorkDeque d = seg->deque(0);
  uint32_t out[3];
  // Many rounds of push 3 / pop 2 / push 2 / pop 3 move positions far past
  // the capacity; the contents must stay right.
  for (uint32_t round = 0; round < 1000; ++round) {
    ASSERT_TRUE(d.PushBack(Iota(3, round * 10)));
    ASSERT_EQ(d.PopFront(out, 2).count, 2u);
    ASSERT_EQ(out[1], round * 10 + 1);
    ASSERT_TRUE(d.PushBack(Iota(2, round * 10 + 5)));
    ASSERT_EQ(d.PopFront(out, 3).count, 3u);
    ASSERT_EQ(out[0], round * 10 + 2);
    ASSERT_EQ(out[2], round * 10 + 6);
    ASSERT_EQ(d.SizeGuess(), 0u);
  }
}

TEST(WorkDequeTest, SnapshotListsExactlyWhatIsQueued) {
  auto seg = MakeSegment(1, 10);
  WorkDeque d = seg->deque(0);
  ASSERT_TRUE(d.PushBack(Iota(6)));
  uint32_t out[10];
  d.PopFront(out, 2);
  d.StealBack(out, 1);
  ASSERT_EQ(d.Snapshot(out, 10), 3u);
  EXPECT_EQ(std::vector<uint32_t>(out, out + 3), (std::vector<uint32_t>{2, 3, 4}));
}

TEST(WorkDequeTest, RepairResetsAWordCorruptedByAWildWrite) {
  DequeControl control{};
  Atomic<uint32_t> items[10]{};
  WorkDeque d(&control, items, 10);
  d.Reset();
  ASSERT_TRUE(d.PushBack(Iota(3)));
  std::string err;
  EXPECT_TRUE(d.Repair(&err));
  // A stray write by a test: front 9 beyond back 2.
  control.word.store((uint64_t{9} << 24) | 2u, std::memory_order_relaxed);
  uint32_t out[10];
  EXPECT_EQ(d.PopFront(out, 10).status, WorkDeque::Status::kEmpty);
  EXPECT_EQ(d.SizeGuess(), 0u);
  EXPECT_FALSE(d.Repair(&err));
  EXPECT_NE(err.find("corrupt"), std::string::npos) << err;
  EXPECT_TRUE(d.Repair(&err));
  EXPECT_TRUE(d.PushBack(Iota(2)));
  EXPECT_EQ(d.SizeGuess(), 2u);
}

// Exactly-once for the deque alone: an owner pushing in chunks and popping
// batches of varying size while N thieves steal halves.
struct DequeCase {
  uint32_t items;
  int thieves;
};

class DequeExactlyOnceTest : public ::testing::TestWithParam<DequeCase> {};

TEST_P(DequeExactlyOnceTest, EveryItemIsTakenExactlyOnce) {
  const auto [n, thieves] = GetParam();
  auto seg = MakeSegment(1, n);
  WorkDeque d = seg->deque(0);
  std::vector<std::atomic<uint32_t>> taken(n);
  std::atomic<bool> owner_done{false};
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> stolen{0};
  std::atomic<int> ready{0};

  auto record = [&](const uint32_t* items, uint32_t count) {
    for (uint32_t k = 0; k < count; ++k) taken[items[k]].fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(count, std::memory_order_relaxed);
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < thieves; ++i) {
    pool.emplace_back([&, i] {
      std::vector<uint32_t> buf(64);
      const auto limit = static_cast<uint32_t>(1 + i % 64);
      ready.fetch_add(1);
      for (;;) {
        const bool done = owner_done.load(std::memory_order_acquire);
        auto t = d.StealBack(buf.data(), limit);
        if (t.status == WorkDeque::Status::kTook) {
          record(buf.data(), t.count);
          stolen.fetch_add(t.count, std::memory_order_relaxed);
        } else if (t.status == WorkDeque::Status::kEmpty && done) {
          return;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  // Start together so the thieves contend with the owner from the first push.
  while (ready.load() < thieves) std::this_thread::yield();
  // Owner: push in chunks of 97, interleaved with pops of 1..8.
  std::mt19937 rng(n * 31 + thieves);
  std::vector<uint32_t> buf(8);
  uint32_t pushed = 0;
  while (pushed < n) {
    const uint32_t chunk = std::min<uint32_t>(97, n - pushed);
    std::vector<uint32_t> items = Iota(chunk, pushed);
    while (!d.PushBack(items)) std::this_thread::yield();  // full: let thieves drain
    pushed += chunk;
    auto t = d.PopFront(buf.data(), 1 + rng() % 8);
    if (t.status == WorkDeque::Status::kTook) record(buf.data(), t.count);
  }
  // Let the thieves take part before the owner drains the rest (on a busy
  // machine they may not have run yet).
  while (stolen.load() == 0 && d.SizeGuess() > 0) std::this_thread::yield();
  for (;;) {
    auto t = d.PopFront(buf.data(), 1 + rng() % 8);
    if (t.status == WorkDeque::Status::kEmpty) break;
    if (t.status == WorkDeque::Status::kTook) record(buf.data(), t.count);
  }
  owner_done.store(true, std::memory_order_release);
  for (auto& t : pool) t.join();

  EXPECT_EQ(total.load(), n);
  uint32_t wrong = 0;
  for (uint32_t i = 0; i < n; ++i) wrong += taken[i].load() != 1;
  EXPECT_EQ(wrong, 0u) << "items taken zero or several times";
}

std::vector<DequeCase> DequeCases() {
  std::vector<DequeCase> cases;
  for (uint32_t n : {1u, 3u, 64u, 1000u, 100000u}) {
    for (int thieves : {1, 2, 4, 7}) cases.push_back({n, thieves});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sizes, DequeExactlyOnceTest, ::testing::ValuesIn(DequeCases()),
                         [](const auto& p) {
                           return "Items" + std::to_string(p.param.items) + "Thieves" +
                                  std::to_string(p.param.thieves);
                         });

// The worker's whole protocol with threads as workers: each owns a deque,
// pops and claims, steals halves into its own deque when empty.
TEST(BatchTakerTest, EveryTestIsClaimedExactlyOnceAcrossStealingWorkers) {
  for (uint32_t n : {1u, 3u, 64u, 1000u, 100000u}) {
    for (uint32_t workers : {2u, 3u, 8u}) {
      auto seg = MakeSegment(workers, n);
      // Everything dealt to worker 0: the others live on stealing.
      ASSERT_TRUE(seg->deque(0).PushBack(Iota(n)));
      std::vector<std::atomic<uint32_t>> ran(n);
      std::vector<std::thread> pool;
      for (uint32_t w = 0; w < workers; ++w) {
        pool.emplace_back([&, w] {
          BatchTaker taker(*seg, w, /*lease=*/w + 1);
          std::vector<uint32_t> batch;
          while (uint32_t got = taker.Next(&batch, 1 + w * 3)) {
            for (uint32_t k = 0; k < got; ++k) ran[batch[k]].fetch_add(1);
          }
        });
      }
      for (auto& t : pool) t.join();
      uint32_t wrong = 0;
      for (uint32_t i = 0; i < n; ++i) {
        wrong += ran[i].load() != 1;
        EXPECT_NE(seg->claims().Holder(i), kUnclaimed);
      }
      EXPECT_EQ(wrong, 0u) << n << " tests, " << workers << " workers";
    }
  }
}

TEST(BatchTakerTest, SkipsStaleCopiesWhoseClaimWasWonElsewhere) {
  auto seg = MakeSegment(2, 4);
  ASSERT_TRUE(seg->deque(0).PushBack(Iota(4)));
  ASSERT_TRUE(seg->claims().TryClaim(1, 99));  // e.g. queued twice by the supervisor
  BatchTaker taker(*seg, 0, 7);
  std::vector<uint32_t> out;
  ASSERT_EQ(taker.Next(&out, 4), 3u);
  EXPECT_EQ(out, (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_EQ(taker.stale_skipped(), 1u);
  EXPECT_EQ(taker.Next(&out, 4), 0u);
}

TEST(BatchTakerTest, AUnitIsClaimedWholeEvenBeyondTheBatchSize) {
  auto seg = MakeSegment(1, 10);
  seg->SetUnit(2, 7);
  ASSERT_TRUE(seg->deque(0).PushBack(std::vector<uint32_t>{0, 1, 2, 7, 8, 9}));
  BatchTaker taker(*seg, 0, 1);
  std::vector<uint32_t> out;
  ASSERT_EQ(taker.Next(&out, 3), 7u);
  EXPECT_EQ(out, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6}));
  ASSERT_EQ(taker.Next(&out, 3), 3u);
  EXPECT_EQ(out, (std::vector<uint32_t>{7, 8, 9}));
}

TEST(BatchTakerTest, UnitsStayWholeAndEveryTestRunsOnceAcrossStealingWorkers) {
  constexpr uint32_t kTests = 20000;
  auto seg = MakeSegment(4, kTests);
  std::mt19937 rng(7);
  std::vector<uint32_t> items, unit_of(kTests);
  for (uint32_t t = 0; t < kTests;) {
    const uint32_t end = std::min(kTests, t + 1 + static_cast<uint32_t>(rng() % 30));
    seg->SetUnit(t, end);
    for (uint32_t u = t; u < end; ++u) unit_of[u] = t;
    items.push_back(t);
    t = end;
  }
  ASSERT_TRUE(seg->deque(0).PushBack(items));
  std::vector<std::atomic<uint32_t>> ran(kTests), runner(kTests);
  std::vector<std::thread> pool;
  for (uint32_t w = 0; w < 4; ++w) {
    pool.emplace_back([&, w] {
      BatchTaker taker(*seg, w, w + 1);
      std::vector<uint32_t> batch;
      while (taker.Next(&batch, 1 + w * 5) > 0) {
        for (uint32_t t : batch) {
          ran[t].fetch_add(1);
          runner[t].store(w + 1);
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  uint32_t wrong = 0, split = 0;
  for (uint32_t t = 0; t < kTests; ++t) {
    wrong += ran[t].load() != 1;
    split += runner[t].load() != runner[unit_of[t]].load();
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(split, 0u) << "tests of one unit ran in different workers";
}

TEST(RecoveryTest, RequeueListsOneItemPerUnitSoItStaysWhole) {
  auto seg = MakeSegment(2, 10);
  seg->SetUnit(0, 6);
  ClaimTable claims = seg->claims();
  for (uint32_t t : {2u, 3u, 5u, 8u, 9u})
    ASSERT_TRUE(claims.Reclaim(t, kUnclaimed, kSupervisorLease));
  ASSERT_TRUE(Requeue(*seg, 1, std::vector<uint32_t>{5, 2, 3, 9, 8}));
  uint32_t items[10];
  const uint32_t n = seg->deque(1).Snapshot(items, 10);
  EXPECT_EQ(std::vector<uint32_t>(items, items + n), (std::vector<uint32_t>{2, 8, 9}));
  // A worker taking item 2 claims what is left of the unit: 2, 3, 5 (0, 1
  // and 4 are held elsewhere).
  for (uint32_t t : {0u, 1u, 4u}) ASSERT_TRUE(claims.TryClaim(t, 77));
  BatchTaker taker(*seg, 1, 5);
  std::vector<uint32_t> out;
  taker.Next(&out, 1);
  EXPECT_EQ(out, (std::vector<uint32_t>{2, 3, 5}));
}

}  // namespace
}  // namespace mprun::shm
