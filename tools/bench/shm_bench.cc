// Microbenchmarks of the shared structures (Google Benchmark). Not part of
// the test run: `build/tools/bench/shm_bench`. Figures go in closing notes.
#include <benchmark/benchmark.h>
#include <poll.h>

#include <atomic>
#include <numeric>
#include <thread>
#include <vector>

#include "shm/batch_taker.h"
#include "shm/doorbell.h"
#include "shm/segment.h"

namespace mprun::shm {
namespace {

std::unique_ptr<Segment> MakeSegment(uint32_t workers, uint32_t tests, uint32_t records = 4096) {
  std::string err;
  LayoutParams p;
  p.workers = workers;
  p.tests = tests;
  p.ring_records = records;
  p.ring_text_bytes = 256 * 1024;
  auto s = Segment::Create(p, &err);
  if (!s) std::abort();
  return s;
}

// Owner: push a batch of 64, then pop it back in batches of `range(0)`.
void BM_DequePushThenPop(benchmark::State& state) {
  auto seg = MakeSegment(1, 64);
  WorkDeque d = seg->deque(0);
  std::vector<uint32_t> items(64);
  std::iota(items.begin(), items.end(), 0);
  std::vector<uint32_t> out(64);
  const auto batch = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    d.PushBack(items);
    for (uint32_t taken = 0; taken < 64;) taken += d.PopFront(out.data(), batch).count;
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_DequePushThenPop)->Arg(1)->Arg(8)->Arg(64);

// Thief: steal half of what is left until empty (64 items: 6 or 7 steals).
void BM_DequeStealHalves(benchmark::State& state) {
  auto seg = MakeSegment(1, 64);
  WorkDeque d = seg->deque(0);
  std::vector<uint32_t> items(64);
  std::iota(items.begin(), items.end(), 0);
  std::vector<uint32_t> out(64);
  int64_t steals = 0;
  for (auto _ : state) {
    d.PushBack(items);
    while (d.StealBack(out.data(), 64).status == WorkDeque::Status::kTook) ++steals;
  }
  state.counters["ns_per_steal"] = benchmark::Counter(
      static_cast<double>(steals), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DequeStealHalves);

// The whole worker path: pop a batch of 8 and claim each test.
void BM_TakeAndClaim(benchmark::State& state) {
  constexpr uint32_t kTests = 1 << 16;
  auto seg = MakeSegment(1, kTests);
  std::vector<uint32_t> items(kTests);
  std::iota(items.begin(), items.end(), 0);
  std::vector<uint32_t> out;
  uint32_t lease = 1;
  for (auto _ : state) {
    state.PauseTiming();
    seg->claims().Reset();
    seg->deque(0).PushBack(items);
    BatchTaker taker(*seg, 0, lease++);
    state.ResumeTiming();
    while (taker.Next(&out, 8) > 0) {
    }
  }
  state.SetItemsProcessed(state.iterations() * kTests);
}
BENCHMARK(BM_TakeAndClaim);

// Ring, one thread: write a record with a short failure text, drain.
void BM_RingWriteThenDrain(benchmark::State& state) {
  auto seg = MakeSegment(1, 1);
  RingProducer p(seg->ring(0), nullptr);
  RingConsumer c(seg->ring(0));
  ResultRecord r{};
  const std::string text(static_cast<size_t>(state.range(0)), 'x');
  uint64_t sum = 0;
  for (auto _ : state) {
    for (int i = 0; i < 64; ++i) p.Write(r, text);
    c.Drain([&](const ResultRecord& rec, std::string_view t) { sum += rec.test + t.size(); });
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_RingWriteThenDrain)->Arg(0)->Arg(200);

// Ring across two threads: a producer writes flat out, the consumer drains.
void BM_RingAcrossThreads(benchmark::State& state) {
  auto seg = MakeSegment(1, 1, 1024);
  constexpr uint64_t kPerIteration = 100000;
  for (auto _ : state) {
    std::thread producer([&] {
      RingProducer p(seg->ring(0), nullptr);
      ResultRecord r{};
      for (uint64_t i = 0; i < kPerIteration; ++i) p.Write(r, "");
    });
    RingConsumer c(seg->ring(0));
    uint64_t got = 0;
    while (got < kPerIteration) got += c.Drain([](const ResultRecord&, std::string_view) {});
    producer.join();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kPerIteration));
}
BENCHMARK(BM_RingAcrossThreads)->UseRealTime();

// Doorbell round trip between two threads: A rings B, B rings A back, each
// sleeping in poll between rings.
void BM_DoorbellRoundTrip(benchmark::State& state) {
  Atomic<uint32_t> word_a{}, word_b{};
  Doorbell a, b;
  std::string err;
  Doorbell::Create(&word_a, &a, &err);
  Doorbell::Create(&word_b, &b, &err);
  std::atomic<bool> stop{false};
  auto sleep_on = [](Doorbell& bell) {
    struct pollfd p = {bell.fd(), POLLIN, 0};
    bell.PrepareToSleep();
    poll(&p, 1, 100);
    bell.WokeUp();
  };
  b.PrepareToSleep();
  std::thread echo([&] {
    while (!stop.load()) {
      sleep_on(b);
      a.Ring();
    }
  });
  for (auto _ : state) {
    b.Ring();
    sleep_on(a);
  }
  stop.store(true);
  b.Ring();
  echo.join();
}
BENCHMARK(BM_DoorbellRoundTrip)->UseRealTime();

}  // namespace
}  // namespace mprun::shm

BENCHMARK_MAIN();
