// How a process of a parallel run ends without its static destructors.
// Supervisor (from mprun::gtest_main's main) and workers.
//
// After fork, every page of the supervisor is copy-on-write, so the
// teardown of a large test binary (10,000 tests: ~20 ms measured, one page
// fault per page it frees) costs more than the run itself. In a parallel run
// no test ran in the supervisor, and workers never run static destructors
// (docs/design.md, "Rules every change keeps"), so the supervisor started by mprun::gtest_main
// skips them too. Coverage counters are still written (__gcov_dump, when linked in); sanitizer
// builds keep the normal exit so their leak checks run.
#ifndef MPRUN_RUNNER_PROCESS_FAST_EXIT_H_
#define MPRUN_RUNNER_PROCESS_FAST_EXIT_H_

namespace mprun::runner {

// True once this process has supervised a parallel run.
bool RanInParallel();
void NoteParallelRun();

// Flushes stdio, writes coverage data if the binary collects it, and ends
// the process with `status` without running atexit handlers or static
// destructors. Under ASan/TSan it returns instead (the caller exits normally).
void ExitWithoutTeardown(int status);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_PROCESS_FAST_EXIT_H_
