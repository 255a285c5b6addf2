// mprun for GoogleTest binaries: run a test binary's tests in parallel worker
// processes forked from the binary itself.
//
// Link your test binary with `mprun::gtest_main` instead of GTest::gtest_main,
// or, if it has its own main(), call mprun::RunAllTests where it would call
// RUN_ALL_TESTS(). Run plainly, the binary behaves exactly like plain
// GoogleTest; with --processes=N (or MPRUN_PROCESSES=N) it runs its tests in N
// workers (negative: all usable cores). `--help` lists mprun's flags.
#ifndef MPRUN_MPRUN_H_
#define MPRUN_MPRUN_H_

namespace mprun {

// Parses mprun's flags out of argv, initialises GoogleTest with the rest
// (calling testing::InitGoogleTest again is harmless), runs the selected
// tests, and returns the process exit status: 0 all passed or skipped,
// 1 some failed, crashed or timed out, 2 bad usage or setup, 130 interrupted.
int RunAllTests(int argc, char** argv);

}  // namespace mprun

#endif  // MPRUN_MPRUN_H_
