// WorkSource: where one machine's work comes from. A seam with one
// implementation today, LocalDeal (every selected test, dealt onto this
// machine's deques at the start of each repetition); the next is a shared
// queue that several machines take batches from (queue mode), plugged in
// here and nowhere else.
//
// Inside a machine nothing depends on the source: workers take from their
// own deque and steal from each other's in the segment (shm/batch_taker.h),
// and the supervisor alone owns outcomes. A source is asked a few times per
// repetition, never per test. Supervisor process only, single-threaded.
#ifndef MPRUN_RUNNER_RUN_WORK_SOURCE_H_
#define MPRUN_RUNNER_RUN_WORK_SOURCE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/results.h"
#include "core/rules/plan.h"

namespace mprun::runner {

class WorkSource {
 public:
  virtual ~WorkSource() = default;
  // Repetition `repetition`'s (0-based) first work: per worker, the deque
  // items (unit heads of the plan) its deque starts with.
  virtual std::vector<std::vector<uint32_t>> Take(int repetition) = 0;
  // The repetition ended: `ledger` has a result for every test this machine
  // ran (not_run for what it was given and did not run, when the run
  // stopped early). A shared source would mark the finished ones done and
  // hand the rest back; the local one has no one to tell.
  virtual void Finish(const core::Ledger& ledger) = 0;
};

// The whole plan on this machine: contiguous shares keep neighbours with
// one worker, stealing evens out the rest. By the history's durations when
// there are any (longest and recently failed first), else in `order`; a
// shuffle seed (advanced per repetition) deals at random.
class LocalDeal : public WorkSource {
 public:
  struct Spec {
    const core::Plan* plan = nullptr;
    int workers = 1;
    // Per test of the table, what the history expects; empty with
    // --no-history (no placement by durations).
    const std::vector<core::Expectation>* expected = nullptr;
    std::optional<uint32_t> shuffle_seed;
    core::DealOrder order = core::DealOrder::kTable;
  };
  explicit LocalDeal(Spec spec) : spec_(spec) {}
  std::vector<std::vector<uint32_t>> Take(int repetition) override;
  void Finish(const core::Ledger&) override {}

 private:
  Spec spec_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_RUN_WORK_SOURCE_H_
