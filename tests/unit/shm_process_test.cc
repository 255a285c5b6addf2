// The shared structures across real processes: forked workers take, claim
// and report tests while they are SIGKILLed at injected points (the windows
// between taking and claiming, mid-test, mid-record) and at random moments
// from outside. A small supervisor here uses the real recovery functions;
// every test must end with exactly one result or one blame, and none may run
// twice.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "shm/batch_taker.h"
#include "shm/doorbell.h"
#include "shm/recovery.h"
#include "shm/segment.h"

namespace mprun::shm {
namespace {

enum class KillAt {
  kNowhere,
  kAfterSteal,
  kAfterPushStolen,
  kAfterPop,
  kAfterClaim,
  kMidTest,
  kMidRecord
};

struct Plan {
  KillAt where = KillAt::kNowhere;
  uint32_t countdown = 0;  // kill at this occurrence of `where`
  uint32_t spin_ns = 0;    // simulated test duration
  uint32_t batch = 4;
};

// A worker process: the loop a real worker runs, minus gtest.
[[noreturn]] void RunWorker(Segment& seg, Atomic<uint32_t>* ran, uint32_t w, uint32_t lease,
                            Plan plan, Doorbell* bell) {
  uint32_t occurrences = 0;
  auto maybe_die = [&](KillAt here) {
    if (here == plan.where && ++occurrences == plan.countdown) raise(SIGKILL);
  };
  BatchTaker taker(seg, w, lease, [&](BatchTaker::Point p) {
    switch (p) {
      case BatchTaker::Point::kAfterSteal:
        maybe_die(KillAt::kAfterSteal);
        break;
      case BatchTaker::Point::kAfterPushStolen:
        maybe_die(KillAt::kAfterPushStolen);
        break;
      case BatchTaker::Point::kAfterPop:
        maybe_die(KillAt::kAfterPop);
        break;
      case BatchTaker::Point::kAfterClaim:
        maybe_die(KillAt::kAfterClaim);
        break;
    }
  });
  RingView view = seg.ring(w);
  RingProducer ring(view, [bell] { bell->Ring(); });
  WorkerSlot& slot = seg.slot(w);
  std::vector<uint32_t> batch;
  while (uint32_t n = taker.Next(&batch, plan.batch)) {
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t t = batch[k];
      // release: the supervisor's acquire load sees the claim before the test.
      slot.current.store(PackCurrent(t, seg.NowNs() / 1000), std::memory_order_release);
      ran[t].fetch_add(1, std::memory_order_relaxed);
      maybe_die(KillAt::kMidTest);
      const uint64_t until = MonotonicNs() + plan.spin_ns;
      while (MonotonicNs() < until) {
      }
      ResultRecord r{};
      r.test = t;
      r.kind = static_cast<uint8_t>(RecordKind::kTestResult);
      if (plan.where == KillAt::kMidRecord && occurrences + 1 == plan.countdown) {
        // The state a kill inside Write leaves: half a record and some text
        // beyond head, never published.
        const uint64_t head = view.control->head.load(std::memory_order_relaxed);
        std::memcpy(&view.records[head % view.record_capacity], &r, sizeof r / 2);
        std::memcpy(view.text, "partial", 7);
      }
      maybe_die(KillAt::kMidRecord);
      ring.Write(r, "");
      slot.current.store(kIdleCurrent, std::memory_order_release);
      bell->RingIfSleeping();
    }
  }
  _exit(0);
}

// What the supervisor learns from a run.
struct Tally {
  std::vector<uint8_t> outcome;  // 0 none, 1 result, 2 blamed
  uint32_t duplicates = 0;
  uint32_t deaths = 0;
  uint32_t spawns = 0;
};

class MiniSupervisor {
 public:
  MiniSupervisor(uint32_t workers, uint32_t tests, uint64_t seed, bool deal_all_to_first = false,
                 uint32_t max_unit = 1)
      : rng_(seed),
        counters_(boost::interprocess::anonymous_shared_memory(std::max<size_t>(tests, 1) *
                                                               sizeof(Atomic<uint32_t>))) {
    LayoutParams p;
    p.workers = workers;
    p.tests = tests;
    p.ring_records = 64;
    p.ring_text_bytes = 4096;
    std::string err;
    seg_ = Segment::Create(p, &err);
    EXPECT_NE(seg_, nullptr) << err;
    EXPECT_TRUE(Doorbell::Create(&seg_->header().supervisor_sleeping, &bell_, &err)) << err;
    ran_ = static_cast<Atomic<uint32_t>*>(counters_.get_address());
    tally_.outcome.assign(tests, 0);
    pids_.assign(workers, -1);
    pidfds_.assign(workers, -1);
    leases_.assign(workers, 0);
    // Units of 1..max_unit tests; deal them round-robin, or everything to
    // worker 0 so the others live on stealing (to reach the kill points
    // around steals often).
    std::vector<std::vector<uint32_t>> deal(workers);
    for (uint32_t t = 0, k = 0; t < tests; ++k) {
      const uint32_t end = std::min(tests, t + 1 + static_cast<uint32_t>(rng_() % max_unit));
      seg_->SetUnit(t, end);
      deal[deal_all_to_first ? 0 : k % workers].push_back(t);
      t = end;
    }
    for (uint32_t w = 0; w < workers; ++w) EXPECT_TRUE(seg_->deque(w).PushBack(deal[w]));
  }

  // `plan_for(spawn_number)` decides how each new worker process misbehaves.
  Tally Run(std::function<Plan(uint32_t)> plan_for, bool kill_from_outside) {
    plan_for_ = std::move(plan_for);
    for (uint32_t w = 0; w < seg_->workers(); ++w) Spawn(w, NextPlan());
    while (Live() > 0 || Remaining() > 0) {
      if (tally_.spawns > 5000) {
        ADD_FAILURE() << "no progress after 5000 worker processes";
        break;
      }
      if (Live() == 0) {  // everybody left; anything unaccounted is lost
        std::vector<uint32_t> lost = SweepLostTests(*seg_, Finished());
        EXPECT_TRUE(Requeue(*seg_, 0, lost));
        Spawn(0, NextPlan());
        continue;
      }
      WaitOnce(kill_from_outside);
    }
    Drain();
    return tally_;
  }

  uint32_t MaxRan() const {
    uint32_t m = 0;
    for (uint32_t t = 0; t < seg_->tests(); ++t)
      m = std::max(m, ran_[t].load(std::memory_order_relaxed));
    return m;
  }
  uint32_t RanOf(uint32_t t) const { return ran_[t].load(std::memory_order_relaxed); }

 private:
  FinishedFn Finished() {
    return [this](uint32_t t) { return tally_.outcome[t] != 0; };
  }
  uint32_t Live() const {
    return static_cast<uint32_t>(
        std::count_if(pids_.begin(), pids_.end(), [](int p) { return p > 0; }));
  }
  uint32_t Remaining() const {
    return static_cast<uint32_t>(std::count(tally_.outcome.begin(), tally_.outcome.end(), 0));
  }

  void Spawn(uint32_t w, Plan plan) {
    const uint32_t lease = next_lease_++;
    seg_->slot(w).current.store(kIdleCurrent, std::memory_order_relaxed);
    RingConsumer(seg_->ring(w)).Reset();
    fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunWorker(*seg_, ran_, w, lease, plan, &bell_);
    pids_[w] = pid;
    pidfds_[w] = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    ASSERT_GE(pidfds_[w], 0);
    leases_[w] = lease;
    ++tally_.spawns;
  }

  void Drain() {
    for (uint32_t w = 0; w < seg_->workers(); ++w) {
      RingConsumer c(seg_->ring(w));
      c.Drain([&](const ResultRecord& r, std::string_view) { Record(r.test, 1); });
      EXPECT_EQ(c.dropped(), 0u);
    }
  }

  void Record(uint32_t t, uint8_t what) {
    if (t >= tally_.outcome.size()) {
      ++tally_.duplicates;
      return;
    }
    if (tally_.outcome[t] != 0) ++tally_.duplicates;
    tally_.outcome[t] = what;
  }

  void WaitOnce(bool kill_from_outside) {
    std::vector<pollfd> fds;
    fds.push_back({bell_.fd(), POLLIN, 0});
    for (int fd : pidfds_) fds.push_back({fd, POLLIN, 0});
    bell_.PrepareToSleep();
    int timeout = 10;
    if (kill_from_outside) timeout = static_cast<int>(rng_() % 3);
    const int ready = poll(fds.data(), fds.size(), timeout);
    bell_.WokeUp();
    Drain();
    if (ready == 0 && kill_from_outside && rng_() % 2 == 0) {
      const uint32_t w = static_cast<uint32_t>(rng_() % seg_->workers());
      if (pids_[w] > 0) kill(pids_[w], SIGKILL);
    }
    for (uint32_t w = 0; w < seg_->workers(); ++w) {
      if (fds[w + 1].revents == 0 || pids_[w] <= 0) continue;
      Reap(w);
    }
  }

  void Reap(uint32_t w) {
    int status = 0;
    ASSERT_EQ(waitpid(pids_[w], &status, 0), pids_[w]);
    close(pidfds_[w]);
    pids_[w] = -1;
    pidfds_[w] = -1;
    // After the reap, everything the dead process stored is visible.
    RingConsumer c(seg_->ring(w));
    c.Drain([&](const ResultRecord& r, std::string_view) { Record(r.test, 1); });
    EXPECT_EQ(c.dropped(), 0u);
    const bool normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    uint32_t running = CurrentTest(seg_->slot(w).current.load(std::memory_order_acquire));
    ClaimTable claims = seg_->claims();
    if (running != kNoTest &&
        (tally_.outcome[running] != 0 || claims.Holder(running) != leases_[w])) {
      running = kNoTest;  // finished, or a stale slot value
    }
    if (!normal) {
      ++tally_.deaths;
      if (running != kNoTest) Record(running, 2);
    }
    std::vector<uint32_t> back = ReclaimDeadLease(claims, leases_[w], running, Finished());
    if (!normal) {
      // Only a process that died can have left tests in flight. (Sweeping
      // after a normal exit would only take in-flight tests of live workers:
      // harmless, but it queues copies for nothing.)
      std::vector<uint32_t> lost = SweepLostTests(*seg_, Finished());
      back.insert(back.end(), lost.begin(), lost.end());
    }
    EXPECT_TRUE(Requeue(*seg_, w, back));
    if (Remaining() > 0 && (!normal || !back.empty())) Spawn(w, NextPlan());
  }

  Plan NextPlan() { return plan_for_(tally_.spawns); }

  std::function<Plan(uint32_t)> plan_for_;
  std::mt19937_64 rng_;
  boost::interprocess::mapped_region counters_;
  Atomic<uint32_t>* ran_ = nullptr;
  std::unique_ptr<Segment> seg_;
  Doorbell bell_;
  std::vector<int> pids_, pidfds_;
  std::vector<uint32_t> leases_;
  uint32_t next_lease_ = 1;
  Tally tally_;
};

void ExpectExactlyOnce(const Tally& tally, const MiniSupervisor& sup, uint32_t tests) {
  EXPECT_EQ(tally.duplicates, 0u);
  uint32_t missing = 0, ran_twice = 0, result_without_run = 0;
  for (uint32_t t = 0; t < tests; ++t) {
    missing += tally.outcome[t] == 0;
    ran_twice += sup.RanOf(t) > 1;
    result_without_run += tally.outcome[t] == 1 && sup.RanOf(t) != 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(ran_twice, 0u);
  EXPECT_EQ(result_without_run, 0u);
}

struct ForkCase {
  uint32_t tests;
  uint32_t workers;
};
class ForkedExactlyOnceTest : public ::testing::TestWithParam<ForkCase> {};

TEST_P(ForkedExactlyOnceTest, EveryTestRunsOnceAcrossWorkerProcesses) {
  const auto [tests, workers] = GetParam();
  MiniSupervisor sup(workers, tests, tests * 7 + workers);
  Tally tally = sup.Run(
      [](uint32_t spawn) {
        return Plan{KillAt::kNowhere, 0, 0, 1 + spawn % 16};
      },
      false);
  ExpectExactlyOnce(tally, sup, tests);
  EXPECT_EQ(tally.deaths, 0u);
  EXPECT_EQ(tally.spawns, workers);
}

std::vector<ForkCase> ForkCases() {
  std::vector<ForkCase> v;
  for (uint32_t n : {1u, 3u, 64u, 1000u, 100000u}) {
    for (uint32_t w : {2u, 4u, 8u}) v.push_back({n, w});
  }
  return v;
}
INSTANTIATE_TEST_SUITE_P(Sizes, ForkedExactlyOnceTest, ::testing::ValuesIn(ForkCases()),
                         [](const auto& p) {
                           return "Tests" + std::to_string(p.param.tests) + "Workers" +
                                  std::to_string(p.param.workers);
                         });

class KillPointTest : public ::testing::TestWithParam<KillAt> {};

TEST_P(KillPointTest, WorkersKilledAtThisPointLoseNoTest) {
  const KillAt where = GetParam();
  constexpr uint32_t kTests = 1500;
  // Whether a process reaches its kill point depends on scheduling (a busy
  // machine may let one worker finish everything before the others steal),
  // so seeds run until at least three processes died there.
  uint32_t deaths = 0;
  uint64_t seed = 1;
  for (; seed <= 30 && (seed <= 3 || deaths < 3); ++seed) {
    // Everything dealt to worker 0: the others start by stealing.
    MiniSupervisor sup(4, kTests, seed, /*deal_all_to_first=*/true);
    std::mt19937 rng(static_cast<uint32_t>(seed * 1000 + static_cast<int>(where)));
    auto plan = [&](uint32_t spawn) {
      Plan p;
      // Three processes in four die at the point after a few occurrences.
      p.where = spawn % 4 == 3 ? KillAt::kNowhere : where;
      // A process steals only a few times (each steal takes half), so the
      // steal points die at their first or second occurrence.
      const bool steal_point = where == KillAt::kAfterSteal || where == KillAt::kAfterPushStolen;
      p.countdown = 1 + rng() % (steal_point ? 2 : 12);
      p.batch = 1 + rng() % 6;
      p.spin_ns = 5000;
      return p;
    };
    Tally tally = sup.Run(plan, false);
    ExpectExactlyOnce(tally, sup, kTests);
    deaths += tally.deaths;
  }
  EXPECT_GE(deaths, 3u) << "the kill point was reached too rarely in " << seed - 1 << " seeds";
  std::printf("%u workers SIGKILLed at this point over %llu seeds of %u tests, none lost\n", deaths,
              static_cast<unsigned long long>(seed - 1), kTests);
}

INSTANTIATE_TEST_SUITE_P(Points, KillPointTest,
                         ::testing::Values(KillAt::kAfterSteal, KillAt::kAfterPushStolen,
                                           KillAt::kAfterPop, KillAt::kAfterClaim, KillAt::kMidTest,
                                           KillAt::kMidRecord),
                         [](const auto& p) {
                           switch (p.param) {
                             case KillAt::kAfterSteal:
                               return std::string("AfterSteal");
                             case KillAt::kAfterPushStolen:
                               return std::string("AfterPushStolen");
                             case KillAt::kAfterPop:
                               return std::string("AfterPop");
                             case KillAt::kAfterClaim:
                               return std::string("AfterClaim");
                             case KillAt::kMidTest:
                               return std::string("MidTest");
                             case KillAt::kMidRecord:
                               return std::string("MidRecord");
                             default:
                               return std::string("Nowhere");
                           }
                         });

TEST(RandomKillTest, UnitsOfTestsSurviveKillsFromOutsideWithNothingLost) {
  constexpr uint32_t kTests = 4000;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    MiniSupervisor sup(4, kTests, seed, /*deal_all_to_first=*/false, /*max_unit=*/40);
    auto plan = [](uint32_t spawn) { return Plan{KillAt::kNowhere, 0, 20000, 1 + spawn % 8}; };
    Tally tally = sup.Run(plan, true);
    ExpectExactlyOnce(tally, sup, kTests);
    EXPECT_GT(tally.deaths, 0u) << "nothing was killed";
  }
}

TEST(RandomKillTest, WorkersKilledFromOutsideAtRandomMomentsLoseNoTest) {
  constexpr uint32_t kTests = 4000;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    MiniSupervisor sup(4, kTests, seed);
    auto plan = [](uint32_t spawn) { return Plan{KillAt::kNowhere, 0, 20000, 1 + spawn % 8}; };
    Tally tally = sup.Run(plan, true);
    ExpectExactlyOnce(tally, sup, kTests);
    EXPECT_GT(tally.deaths, 0u) << "nothing was killed";
    std::printf("seed %llu: %u workers SIGKILLed from outside, %u processes, none lost\n",
                static_cast<unsigned long long>(seed), tally.deaths, tally.spawns);
  }
}

}  // namespace
}  // namespace mprun::shm
