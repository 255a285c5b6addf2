// `mprun ctest [OPTIONS]`: the third way in (run_setup.h's WayIn). A CMake
// build folder's CTest suite, listed by ctest itself (--show-only=json-v1),
// run through mprun's pool: the tests of GoogleTest binaries in batches by
// driver mode's executor, any other test as one command by the command
// executor. Supervisor process, single-threaded, before any fork.
#ifndef MPRUN_RUNNER_COMMANDS_CTEST_COMMAND_H_
#define MPRUN_RUNNER_COMMANDS_CTEST_COMMAND_H_

namespace mprun::runner {

// argv[0] is "ctest". Returns the exit status.
int RunCtest(int argc, char** argv);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_COMMANDS_CTEST_COMMAND_H_
