// Timings: where the wall time of a run goes, phase by phase, for
// `--timings` [MPRUN_TIMINGS]: parsing, listing, the table and plan, the
// segment and history, the workers' run, stray reaping, the reports, the
// history's save. Supervisor process only (a worker's marks stay in the
// worker and are never printed). A mark is a clock read and a push onto a
// short list, kept whether or not they are printed.
#ifndef MPRUN_RUNNER_RUN_TIMINGS_H_
#define MPRUN_RUNNER_RUN_TIMINGS_H_

#include <cstdio>

namespace mprun::runner::timings {

// The end of phase `what` (a string literal), now.
void Mark(const char* what);
// Print at exit (`--timings`); the marks so far are kept either way.
void Enable();
bool Enabled();
// The phases, one a line, each with its own time and the time since the
// process started ("mprun: timings: ..."); nothing when not enabled.
void Print(FILE* out);

}  // namespace mprun::runner::timings

#endif  // MPRUN_RUNNER_RUN_TIMINGS_H_
