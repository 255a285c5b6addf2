// WorkerPhase: where a worker process is when it is not known to be inside a
// test body. The worker writes it into its shared slot (shm/worker_slot.h);
// the decision core (core/rules/decisions.h) reads it to say what a death or a
// deadline there means. Plain values only: no dependency either way.
#ifndef MPRUN_CORE_RULES_WORKER_PHASE_H_
#define MPRUN_CORE_RULES_WORKER_PHASE_H_

#include <cstdint>

namespace mprun::core {

enum class WorkerPhase : uint32_t {
  kIdle = 0,
  kEnvironmentSetUp = 1,  // global environments of this worker (driver: its binary starting)
  kSuiteSetUp = 2,        // SetUpTestSuite of the suite of `current`
  kTest = 3,
  kSuiteTearDown = 4,  // TearDownTestSuite of the suite of `current`
  kEnvironmentTearDown = 5,
};

}  // namespace mprun::core

#endif  // MPRUN_CORE_RULES_WORKER_PHASE_H_
