// Driver mode: `mprun [options] BINARY... [-- ARGS]` runs unmodified
// GoogleTest binaries in one pool of workers. Lists each binary's tests
// (all binaries at once, each bounded by a time limit), selects with gtest's
// filter rules across all of them, and hands the table to the run engine
// with the exec-per-batch executor (driver_executor.h). Supervisor process.
#ifndef MPRUN_RUNNER_COMMANDS_DRIVER_COMMAND_H_
#define MPRUN_RUNNER_COMMANDS_DRIVER_COMMAND_H_

namespace mprun::runner {

// The mprun command line; returns the exit status.
int RunDriver(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_COMMANDS_DRIVER_COMMAND_H_
