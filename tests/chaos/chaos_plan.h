// What each test of the chaos suite does (tests/chaos/chaos_test.cc), and
// what mprun must report for it: shared by the suite and its driver, so
// both derive the same plan from the run's seed.
#ifndef MPRUN_TESTS_CHAOS_CHAOS_PLAN_H_
#define MPRUN_TESTS_CHAOS_CHAOS_PLAN_H_

#include <cstdint>
#include <set>
#include <string>

#include "tests/fixtures/hangs.h"

namespace mprun::chaos {

enum class Fault {
  kPass,
  kFail,
  kSkip,
  kSegfault,
  kAbort,
  kExit3,        // exit(3) in the middle of the test
  kExit0,        // _exit(0) in the middle of the test
  kHang,         // pause() forever
  kSleepPast,    // sleeps past the time limit
  kFlood,        // 4 MiB of output
  kCloseOutput,  // closes stdout and stderr, then passes
  kLingerChild,  // forks a child that sleeps a minute, then passes
  kDaemon,       // a setsid'd grandchild that sleeps a minute, then passes
  kStopSelf,     // raise(SIGSTOP)
  kMemory,       // allocates until an address-space limit says no, then passes
  kKillWorker,   // SIGKILLs the process that runs it (driver mode: its worker)
  kRealHang,     // hangs as real code does (HangOf: sleep, read, poll, fights signals...)
  kCount
};

inline const char* FaultName(Fault f) {
  static const char* const kNames[] = {
      "pass",   "fail",      "skip",   "segfault",    "abort",        "exit3",
      "exit0",  "hang",      "sleep",  "flood",       "close-output", "linger-child",
      "daemon", "stop-self", "memory", "kill-worker", "real-hang"};
  return kNames[static_cast<int>(f)];
}

// The fault of test `index` in a run seeded `seed`: half pass; the time
// limit's faults are rarer (each costs a second or two).
inline Fault FaultOf(uint32_t seed, uint32_t index) {
  uint64_t x = (static_cast<uint64_t>(seed) << 32 | index) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  const uint32_t r = static_cast<uint32_t>(x % 1000);
  if (r < 500) return Fault::kPass;
  // 500..999: the rest, by weight (per mille).
  static const struct {
    Fault fault;
    uint32_t weight;
  } kWeights[] = {{Fault::kFail, 45},        {Fault::kSkip, 30},        {Fault::kSegfault, 40},
                  {Fault::kAbort, 35},       {Fault::kExit3, 30},       {Fault::kExit0, 30},
                  {Fault::kHang, 6},         {Fault::kSleepPast, 6},    {Fault::kFlood, 30},
                  {Fault::kCloseOutput, 35}, {Fault::kLingerChild, 32}, {Fault::kDaemon, 30},
                  {Fault::kStopSelf, 11},    {Fault::kMemory, 40},      {Fault::kKillWorker, 45},
                  {Fault::kRealHang, 55}};
  uint32_t at = 500;
  for (const auto& w : kWeights) {
    at += w.weight;
    if (r < at) return w.fault;
  }
  return Fault::kPass;
}

// Which way test `index` of a run seeded `seed` hangs, for kRealHang.
inline testing_hangs::Hang HangOf(uint32_t seed, uint32_t index) {
  const uint32_t kinds = static_cast<uint32_t>(testing_hangs::Hang::kCount);
  return static_cast<testing_hangs::Hang>((seed * 31u + index * 7u) % kinds);
}

// The outcomes mprun may report for `f` (driver mode when `driver`).
inline std::set<std::string> Expected(Fault f, bool driver) {
  switch (f) {
    case Fault::kPass:
    case Fault::kFlood:
    case Fault::kLingerChild:
    case Fault::kDaemon:
    case Fault::kMemory:
      return {"passed"};
    case Fault::kCloseOutput:
      // Linked mode keeps its own channel to the supervisor; a binary that
      // closed its output cannot be followed in driver mode: it is killed
      // (crashed), or, when a child an earlier test left behind holds the
      // pipe open, it is seen no more and runs into the time limit.
      if (driver) return {"crashed", "timed_out"};
      return {"passed"};
    case Fault::kFail:
      return {"failed"};
    case Fault::kSkip:
      return {"skipped"};
    case Fault::kSegfault:
    case Fault::kAbort:
    case Fault::kExit3:
    case Fault::kExit0:
    case Fault::kKillWorker:
      return {"crashed"};
    case Fault::kHang:
    case Fault::kSleepPast:
    case Fault::kStopSelf:
    case Fault::kRealHang:
      return {"timed_out"};
    case Fault::kCount:
      break;
  }
  return {};
}

}  // namespace mprun::chaos

#endif  // MPRUN_TESTS_CHAOS_CHAOS_PLAN_H_
